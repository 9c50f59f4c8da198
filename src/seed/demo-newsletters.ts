import type { Services } from '../app.js';
import type { NewsletterAccess } from '../modules/newsletters/index.js';

/** The demo's newsletters, each with the section its first issue is drawn from. */
const demoNewsletters: readonly {
  slug: string;
  name: string;
  description: string;
  access: NewsletterAccess;
  section: string;
  subject: string;
  intro: string;
}[] = [
  {
    slug: 'markets-morning',
    name: 'Markets Morning',
    description: 'Before the opening bell: what moved, what to watch. For subscribers.',
    access: 'subscribers',
    section: 'markets',
    subject: 'Markets Morning: what to watch today',
    intro: 'Good morning. Three stories that will set the tone before the bell.',
  },
  {
    slug: 'politics-weekly',
    name: 'Politics Weekly',
    description: 'The week in Parliament and the states, read by our political desk.',
    access: 'free',
    section: 'politics',
    subject: 'Politics Weekly: the week that was',
    intro: 'A busy week in Delhi and the states. Here is what mattered.',
  },
  {
    slug: 'tech-brief',
    name: 'Tech Brief',
    description: 'Startups, platforms and policy: the technology stories worth your time.',
    access: 'free',
    section: 'technology',
    subject: 'Tech Brief: this week in technology',
    intro: 'The technology stories our editors picked for you this week.',
  },
];

/**
 * Three newsletters, each with one issue composed from its section's newest stories and sent:
 * the send is a job on the queue, which the server's worker runs as soon as it starts (the demo
 * has no subscribers yet, so it finishes at once). Safe to run twice.
 */
export async function seedDemoNewsletters(
  services: Pick<Services, 'newsletters' | 'content'>,
): Promise<number> {
  const { newsletters, content } = services;
  const existing = new Set((await newsletters.newsletters()).map((n) => n.slug));
  let added = 0;
  for (const demo of demoNewsletters) {
    if (existing.has(demo.slug)) continue;
    const newsletter = await newsletters.define({
      slug: demo.slug,
      name: demo.name,
      description: demo.description,
      access: demo.access,
    });
    const articles = await content.listPublished({ section: demo.section, limit: 3 });
    if (articles.length > 0) {
      const issue = await newsletters.compose(newsletter.id, {
        subject: demo.subject,
        intro: demo.intro,
        articleIds: articles.map((a) => a.id),
      });
      await newsletters.send(issue.id);
    }
    added++;
  }
  return added;
}
