import { describe, expect, it, vi } from 'vitest';
import { checkTemplate, copyVariables, renderCopy } from '../../src/modules/paywall/index.js';
import {
  defaultBannerTemplate,
  defaultLimitTemplate,
  defaultPremiumTemplate,
} from '../../src/modules/paywall/settings.js';

const context = {
  free_limit: 5,
  used: 5,
  remaining: 0,
  resets_on: '1 December 2026',
  reader_name: '',
  article_title: 'Headline',
  reread: false,
  publication_name: 'The Daily Ledger',
  login_url: '/login',
  subscribe_url: '/subscribe',
  required_benefits: '',
  plan_names: '',
  archive: false,
};

describe('paywall copy templates', () => {
  it('accepts the default templates', () => {
    for (const template of [defaultLimitTemplate, defaultPremiumTemplate, defaultBannerTemplate]) {
      expect(checkTemplate(template)).toEqual({ ok: true });
    }
  });

  it('refuses an unknown variable and names it', () => {
    const check = checkTemplate('You have read {{ free_limt }} articles');
    expect(check).toMatchObject({ ok: false });
    expect(!check.ok && check.problem).toMatch(/unknown variable free_limt/);
  });

  it('refuses an unknown filter and names it', () => {
    const check = checkTemplate('{{ free_limit | shout }}');
    expect(!check.ok && check.problem).toMatch(/unknown filter: shout/);
  });

  it('refuses a syntax error and says where', () => {
    const check = checkTemplate('{% if remaining > 0 %}still open');
    expect(!check.ok && check.problem).toMatch(/not closed/);
  });

  it('refuses includes: templates cannot reach the file system', () => {
    expect(checkTemplate('{% include "secrets" %}').ok).toBe(false);
  });

  it('refuses an error hidden in a branch that one sample would not take', () => {
    const check = checkTemplate(
      '{% if reread %}{{ free_limit.size.x }}{% endif %}You have {{ remaining }} left.',
    );
    expect(check.ok).toBe(false);
  });

  it('refuses a property lookup that cannot be rendered', () => {
    expect(checkTemplate('{{ free_limit.size.x }}').ok).toBe(false);
  });

  it('refuses markup that cleaning would remove, naming each thing', () => {
    const check = checkTemplate(
      '<p style="x">Hi</p><script>x()</script><img src=x onerror=alert(1)><a href="java\tscript:x()">y</a>',
    );
    expect(check.ok).toBe(false);
    const problem = !check.ok ? check.problem : '';
    for (const named of ['the style attribute on <p>', '<script>', '<img>', 'the link "java\\tscript:x()"']) {
      expect(problem).toContain(named);
    }
    expect(problem).toMatch(/allowed: <p>, <strong>/);
    expect(
      checkTemplate(
        '<p class="a"><a href="{{ subscribe_url }}">Go</a> <a href="https://x.example/">x</a></p>',
      ),
    ).toEqual({
      ok: true,
    });
  });

  it('renders the reference copy with the limit filled in', () => {
    const html = renderCopy(defaultLimitTemplate, context);
    expect(html).toContain("You've reached your limit of 5 free articles this month.");
    expect(html).toContain('Subscribe now for unlimited access.');
    expect(html).toContain('<a href="/login">Log in</a>');
    expect(html).not.toContain('{{');
  });

  it('tells a reader that a reread did not count', () => {
    expect(renderCopy(defaultBannerTemplate, { ...context, reread: true, remaining: 0 })).toBe(
      'You have read this article before this month, so it did not count. Your 5 free articles renew on 1 December 2026.',
    );
    expect(renderCopy(defaultBannerTemplate, { ...context, reread: false, used: 5, remaining: 0 })).toBe(
      'This is your last free article this month. Your free articles renew on 1 December 2026.',
    );
  });

  it('escapes variables and strips markup that is not allowed', () => {
    const html = renderCopy('<p onclick="x()">Hi {{ reader_name }}</p><script>alert(1)</script>', {
      ...context,
      reader_name: '<img src=x onerror=alert(1)>',
    });
    expect(html).toBe('<p>Hi &lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('renders again for a change in any variable: the memo of rendered copy is keyed by each', () => {
    const everything = copyVariables.map((name) => `{{ ${name} }}`).join('|');
    const html = renderCopy(everything, context);
    for (const name of copyVariables) {
      const value = context[name as keyof typeof context];
      const changed =
        typeof value === 'string' ? `${value}~` : typeof value === 'number' ? value + 1 : !value;
      expect(renderCopy(everything, { ...context, [name]: changed }), name).not.toBe(html);
    }
    // Two contexts whose texts run together alike are still two contexts.
    for (const [one, other] of [
      [
        ['a', 'bc'],
        ['ab', 'c'],
      ],
      [
        ['a;', 'b'],
        ['a', ';b'],
      ],
      [
        ['a\u0000', 'b'],
        ['a', '\u0000b'],
      ],
    ] as const) {
      const render = ([reader_name, article_title]: readonly [string, string]) =>
        renderCopy(everything, { ...context, reader_name, article_title });
      expect(render(one)).not.toBe(render(other));
    }
  });

  it('does not refuse copy it accepted before because rendering it was slow this time', () => {
    // Stored settings are checked again each time the settings cache fills; on a busy machine
    // a render can overrun the time limit, which must not swap the publisher's copy for the default.
    const source = '<p>{{ remaining }} of {{ free_limit }} left, {{ reader_name }}.</p>';
    expect(checkTemplate(source)).toEqual({ ok: true });
    let now = performance.now();
    const slow = vi.spyOn(performance, 'now').mockImplementation(() => (now += 1000));
    try {
      expect(checkTemplate(source)).toEqual({ ok: true });
      expect(checkTemplate(`${source} `)).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/limit/),
      });
    } finally {
      slow.mockRestore();
    }
  });
});
