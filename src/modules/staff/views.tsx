import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { AuditEntry } from '../audit/index.js';
import type { StaffInvitation, StaffMember } from './domain.js';
import { staffRoles, type StaffPrincipal } from '../../kernel/staff-access.js';

// The staff module's pages: signing in, invitations, one's own account, the staff list and the
// audit log. The words are this module's.

interface Frame {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
}

export function SignInPage(props: { next: string; error?: string; email?: string }) {
  return (
    <AdminShell title="Sign in">
      <div class="card narrow">
        {props.error && <Notice kind="error">{props.error}</Notice>}
        <form method="post" action="/admin/login">
          <input type="hidden" name="next" value={props.next} />
          <label for="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value={props.email ?? ''}
          />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">This is the publisher's staff sign-in. Readers sign in at /login.</p>
      </div>
    </AdminShell>
  );
}

export function SecondFactorPage(props: { next: string; error?: string }) {
  return (
    <AdminShell title="Two-factor sign-in">
      <div class="card narrow">
        {props.error && <Notice kind="error">{props.error}</Notice>}
        <form method="post" action="/admin/login/second-factor">
          <input type="hidden" name="next" value={props.next} />
          <label for="code">Code from your authenticator app, or a recovery code</label>
          <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus />
          <button type="submit">Continue</button>
        </form>
      </div>
    </AdminShell>
  );
}

export function InvitationPage(props: { invitation: StaffInvitation; token: string; error?: string }) {
  return (
    <AdminShell title="Join the staff">
      <div class="card narrow">
        <p>
          You are invited as <strong>{props.invitation.role}</strong> with {props.invitation.email}.
        </p>
        {props.error && <Notice kind="error">{props.error}</Notice>}
        <form method="post" action={`/admin/invitations/${props.token}`}>
          <label for="name">Your name</label>
          <input id="name" name="name" autocomplete="name" required maxLength={100} />
          <label for="password">Choose a password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
          />
          <button type="submit">Join</button>
        </form>
      </div>
    </AdminShell>
  );
}

export function HomePage(props: Frame & { member?: StaffMember }) {
  const { nav } = props;
  return (
    <AdminShell title="Admin" principal={props.principal} nav={nav} current="/admin">
      <p>
        Signed in as {props.principal.label}, <strong>{props.principal.role}</strong>.
      </p>
      <div class="cards">
        {nav
          .filter((item) => item.href !== '/admin')
          .filter((item) => props.principal.role === 'owner' || item.staff.includes(props.principal.role))
          .map((item) => (
            <a class="card" key={item.href} href={item.href}>
              <strong>{item.label}</strong>
            </a>
          ))}
      </div>
    </AdminShell>
  );
}

export function AccountPage(
  props: Frame & {
    member: StaffMember;
    setupRequired: boolean;
    enrolling?: { secret: string; qrSvg: string };
    recoveryCodes?: readonly string[];
    error?: string;
    done?: string;
  },
) {
  const { member } = props;
  return (
    <AdminShell title="Your account" principal={props.principal} nav={props.nav}>
      {props.setupRequired && (
        <Notice kind="error">The owner requires two-factor sign-in: turn it on to use the admin.</Notice>
      )}
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <div class="card">
        <p>
          {member.name} · {member.email} · <strong>{member.role}</strong>
        </p>
      </div>
      <div class="card">
        <h2>Two-factor sign-in</h2>
        {props.recoveryCodes ? (
          <>
            <p>
              Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once, in place of
              a code, if you lose your phone. They are not shown again.
            </p>
            <ul class="codes">
              {props.recoveryCodes.map((code) => (
                <li key={code}>{code}</li>
              ))}
            </ul>
          </>
        ) : props.enrolling ? (
          <form method="post" action="/admin/account/two-factor/confirm">
            <p>Scan this with an authenticator app, or type the key in, then enter the code it shows.</p>
            <div class="qr" dangerouslySetInnerHTML={{ __html: props.enrolling.qrSvg }} />
            <p>
              Key: <code>{props.enrolling.secret}</code>
            </p>
            <label for="code">Code</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required />
            <button type="submit">Turn on</button>
          </form>
        ) : member.twoFactor ? (
          <form method="post" action="/admin/account/two-factor/disable">
            <p>On. Signing in asks for a code from your authenticator app.</p>
            <button type="submit" class="secondary">
              Turn off
            </button>
          </form>
        ) : (
          <form method="post" action="/admin/account/two-factor/begin">
            <p>Off. Turn it on so a stolen password is not enough to sign in as you.</p>
            <button type="submit">Set up</button>
          </form>
        )}
      </div>
    </AdminShell>
  );
}

export function StaffPage(
  props: Frame & {
    members: readonly StaffMember[];
    invitations: readonly StaffInvitation[];
    requireTwoFactor: boolean;
    error?: string;
    done?: string;
  },
) {
  return (
    <AdminShell title="Staff" principal={props.principal} nav={props.nav} current="/admin/staff">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Two-factor</th>
            <th>
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.members.map((member) => (
            <tr key={member.id}>
              <td>{member.name}</td>
              <td>{member.email}</td>
              <td>{member.role}</td>
              <td>{member.twoFactor ? 'on' : 'off'}</td>
              <td>
                {member.id !== props.principal.id && (
                  <form method="post" action={`/admin/staff/${member.id}/remove`}>
                    <button type="submit" class="danger">
                      Remove
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="card">
        <h2>Invite a colleague</h2>
        <form method="post" action="/admin/staff/invite">
          <label for="invite-email">Email</label>
          <input id="invite-email" name="email" type="email" required />
          <label for="invite-role">Role</label>
          <select id="invite-role" name="role">
            {staffRoles.map((role) => (
              <option key={role} value={role} selected={role === 'editor'}>
                {role}
              </option>
            ))}
          </select>
          <button type="submit">Send invitation</button>
        </form>
        {props.invitations.length > 0 && (
          <>
            <h2>Waiting for an answer</h2>
            <ul>
              {props.invitations.map((invitation) => (
                <li key={invitation.id}>
                  {invitation.email} as {invitation.role}, until {invitation.expiresAt.slice(0, 10)}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <div class="card">
        <h2>Two-factor sign-in for everyone</h2>
        <form method="post" action="/admin/staff/require-two-factor">
          <input type="hidden" name="required" value={props.requireTwoFactor ? 'false' : 'true'} />
          <p>
            {props.requireTwoFactor
              ? 'Required: a member without it must turn it on before working.'
              : 'Not required.'}
          </p>
          <button type="submit" class="secondary">
            {props.requireTwoFactor ? 'Stop requiring it' : 'Require it'}
          </button>
        </form>
      </div>
    </AdminShell>
  );
}

const json = (value: unknown) =>
  value === null || value === undefined ? '' : JSON.stringify(value, null, 1);

export function AuditPage(
  props: Frame & {
    entries: readonly AuditEntry[];
    filter: { actor?: string; action?: string; from?: string; to?: string };
  },
) {
  const { filter } = props;
  return (
    <AdminShell title="Audit log" principal={props.principal} nav={props.nav} current="/admin/audit">
      <form class="filters card" method="get" action="/admin/audit">
        <div>
          <label for="actor">Who</label>
          <input id="actor" name="actor" value={filter.actor ?? ''} />
        </div>
        <div>
          <label for="action">Action</label>
          <input id="action" name="action" value={filter.action ?? ''} placeholder="reader." />
        </div>
        <div>
          <label for="from">From</label>
          <input id="from" name="from" type="date" value={filter.from ?? ''} />
        </div>
        <div>
          <label for="to">To</label>
          <input id="to" name="to" type="date" value={filter.to ?? ''} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Target</th>
            <th>Before</th>
            <th>After</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((entry, index) => (
            <tr key={index}>
              <td>{entry.at.replace('T', ' ').slice(0, 19)}</td>
              <td>{entry.actor.label}</td>
              <td>{entry.action}</td>
              <td>{entry.target ?? ''}</td>
              <td>
                <pre>{json(entry.before)}</pre>
              </td>
              <td>
                <pre>{json(entry.after)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.entries.length === 0 && <p class="muted">Nothing matches.</p>}
    </AdminShell>
  );
}
