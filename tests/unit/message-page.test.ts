import { describe, expect, it } from 'vitest';
import { messagePageHtml } from '../../src/server/http/message-page';

describe('the admin message page', () => {
  it('escapes every interpolated text, links included', () => {
    const html = messagePageHtml([
      { lang: 'en', title: '<b>Oops</b>', paragraphs: ['a & b'], problems: ['"quoted" <script>'], back: { href: '/admin?x="><script>', label: '<Back>' } },
    ]);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<title>&#60;b&#62;Oops&#60;/b&#62; — Ringi</title>');
    expect(html).toContain('<p>a &#38; b</p>');
    expect(html).toContain('<ul role="alert"><li>&#34;quoted&#34; &#60;script&#62;</li></ul>');
    expect(html).toContain('<a href="/admin?x=&#34;&#62;&#60;script&#62;">← &#60;Back&#62;</a>');
  });

  it('puts the reader language first and names every section in the title', () => {
    const html = messagePageHtml([
      { lang: 'en', title: 'Forbidden', back: { href: '/admin', label: 'Home' } },
      { lang: 'ja', title: '権限がありません', back: { href: '/admin', label: 'ホーム' } },
    ]);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Forbidden / 権限がありません — Ringi</title>');
    expect(html.indexOf('<section lang="en">')).toBeLessThan(html.indexOf('<section lang="ja">'));
    expect(html).not.toContain('role="alert"'); // no problems listed
  });
});
