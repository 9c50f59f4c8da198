import { Layout, type SiteChrome } from '../../web/views/layout.js';

/** `/terms`, `/privacy`, `/refunds`, `/contact`: the publisher's copy under the page's title. */
export function PolicyPage(props: { chrome: SiteChrome; title: string; html: string }) {
  return (
    <Layout chrome={props.chrome} title={props.title}>
      <article class="policy-page">
        <h1 class="page-title">{props.title}</h1>
        {/* Cleaned by renderPolicy: only headings, paragraphs, lists and links remain. */}
        <div class="policy-body" dangerouslySetInnerHTML={{ __html: props.html }} />
      </article>
    </Layout>
  );
}
