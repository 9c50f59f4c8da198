import type { ComponentChildren } from 'preact';
import { roleMayUse, type StaffPrincipal, type StaffRole } from '../../kernel/staff-access.js';

/** One entry of the admin's navigation: each module that has pages lists its own. */
export interface AdminNavItem {
  readonly href: string;
  readonly label: string;
  /** Who sees it (the owner always does). */
  readonly staff: readonly StaffRole[];
}

/** The frame of every admin page: the header with the navigation the principal may use. */
export function AdminShell(props: {
  readonly title: string;
  readonly principal?: StaffPrincipal;
  readonly nav?: readonly AdminNavItem[];
  readonly current?: string;
  readonly children: ComponentChildren;
}) {
  const { principal } = props;
  const items = principal ? (props.nav ?? []).filter((item) => roleMayUse(principal.role, item.staff)) : [];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · Admin`}</title>
        <link rel="stylesheet" href="/assets/admin.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body class="admin">
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="admin-header">
          <a class="admin-brand" href="/admin">
            Masthead admin
          </a>
          {items.length > 0 && (
            <nav aria-label="Admin">
              <ul>
                {items.map((item) => (
                  <li key={item.href}>
                    <a href={item.href} aria-current={props.current === item.href ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {principal && (
            <div class="admin-me">
              <a href="/admin/account">{principal.label}</a> <span class="role">{principal.role}</span>
              <form method="post" action="/admin/logout">
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            </div>
          )}
        </header>
        <main id="main" class="admin-main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A notice above a form: what went wrong, or what just happened. */
export function Notice(props: { readonly kind: 'error' | 'done'; readonly children: ComponentChildren }) {
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  );
}
