import { describe, expect, it } from 'vitest';
import { cleanIssueLinks, cleanLinksInText, cleanUrl } from '../../../src/content/links.ts';
import { i18n, type StoredMessage } from '../../../src/i18n/index.ts';
import type { IssueContent } from '../../../src/modules/issues/model.ts';

/** Messages as an English reader sees them. */
const english = (ms: StoredMessage[]) => ms.map((m) => i18n('en').m(m));

const MAILCHIMP_TAIL =
  'utm_source=Secretariat+-+Monthly+Update+Email+Subscriber+List&utm_campaign=067b535c92-Monthly+update_Feb2023&utm_medium=email&utm_term=0_59f427831c-067b535c92-%5BLIST_EMAIL_ID%5D&ct=t%28Monthly+update_Feb2023%29';

describe('cleanUrl: tracking parameters', () => {
  it('removes every Mailchimp utm_* parameter and the ct campaign tag', () => {
    const r = cleanUrl(`https://www.oneplanetnetwork.org/knowledge-centre/resources/baseline-report-climate-action-tourism?${MAILCHIMP_TAIL}`);
    expect(r.url).toBe('https://www.oneplanetnetwork.org/knowledge-centre/resources/baseline-report-climate-action-tourism');
    expect(english(r.changes)).toEqual(['removed utm_source', 'removed utm_campaign', 'removed utm_medium', 'removed utm_term', 'removed ct']);
    expect(r.placeholder).toBe(false);
  });

  it('drops words the PDF extraction glued onto the ct value', () => {
    const r = cleanUrl(`https://amritmahotsav.nic.in/lifestyle-for-environment-life.htm?${MAILCHIMP_TAIL}Sustainable`);
    expect(r.url).toBe('https://amritmahotsav.nic.in/lifestyle-for-environment-life.htm');
  });

  it('keeps the other parameters in their order and encoding, and the fragment', () => {
    const r = cleanUrl('https://x.example/p?b=%20c&utm_source=nl&a=1+2&fbclid=IwAR0&z=%E4%B8%AD#sec-2');
    expect(r.url).toBe('https://x.example/p?b=%20c&a=1+2&z=%E4%B8%AD#sec-2');
    expect(english(r.changes)).toEqual(['removed utm_source', 'removed fbclid']);
  });

  it('matches parameter names case-insensitively (UTM_Source)', () => {
    expect(cleanUrl('https://x.example/?UTM_Source=a&Utm_Medium=b&id=7').url).toBe('https://x.example/?id=7');
  });

  it.each([
    'mc_cid=1',
    'mc_eid=2',
    'gclid=3',
    'dclid=4',
    'gbraid=5',
    'wbraid=6',
    'msclkid=7',
    '_hsenc=8',
    '_hsmi=9',
    '__hstc=10',
    '__hssc=11',
    '__hsfp=12',
    'hsCtaTracking=13',
    'mkt_tok=14',
    'igshid=15',
    'yclid=16',
    '_ga=17',
    '_gl=18',
    'ref_src=19',
    'oly_enc_id=20',
    'oly_anon_id=21',
    'vero_id=22',
    's_cid=23',
    'twclid=24',
    'ttclid=25',
  ])('removes %s', (param) => {
    expect(cleanUrl(`https://x.example/a?keep=1&${param}`).url).toBe('https://x.example/a?keep=1');
  });

  it('leaves a site parameter named ct alone when nothing says it is Mailchimp’s', () => {
    expect(cleanUrl('https://shop.example/list?ct=json&page=2').url).toBe('https://shop.example/list?ct=json&page=2');
  });

  it('removes the si share id only on video and music hosts', () => {
    expect(cleanUrl('https://www.youtube.com/watch?v=abc&si=XyZ').url).toBe('https://www.youtube.com/watch?v=abc');
    expect(cleanUrl('https://example.org/?si=metric').url).toBe('https://example.org/?si=metric');
  });

  it('drops the question mark when no parameter is left', () => {
    expect(cleanUrl('https://x.example/page?utm_source=a#top').url).toBe('https://x.example/page#top');
  });
});

describe('cleanUrl: repairs', () => {
  it('keeps a fragment with slashes exactly, cutting only the full stop after it', () => {
    const r = cleanUrl('https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en. ');
    expect(r.url).toBe('https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en');
  });

  it('adds the missing // of http:www…', () => {
    expect(cleanUrl('http:www.meecec.com')).toEqual({ url: 'http://www.meecec.com', changes: [{ key: 'link.addedSlashes' }], placeholder: false });
    expect(english(cleanUrl('http:www.meecec.com').changes)).toEqual(['added missing //']);
  });

  it('adds the missing colon of https//…', () => {
    expect(cleanUrl('https//example.org/a').url).toBe('https://example.org/a');
  });

  it('adds https:// to www.… and says so', () => {
    const r = cleanUrl('www.oneplanetnetwork.org');
    expect(r.url).toBe('https://www.oneplanetnetwork.org');
    expect(english(r.changes).join(' ')).toMatch(/https:\/\//);
  });

  it.each([
    ['https://example.org/a.', 'https://example.org/a'],
    ['https://example.org/a,', 'https://example.org/a'],
    ['https://example.org/a;', 'https://example.org/a'],
    ['https://example.org/a>', 'https://example.org/a'],
    ['<https://example.org/a>', 'https://example.org/a'],
    ['https://example.org/a]', 'https://example.org/a'],
    ['"https://example.org/a"', 'https://example.org/a'],
    ['https://example.org/a，', 'https://example.org/a'],
    ['https://example.org/a。', 'https://example.org/a'],
    ['https://example.org/a）', 'https://example.org/a'],
    ['https://example.org/a、', 'https://example.org/a'],
    ['(https://example.org/a)', 'https://example.org/a'],
  ])('cuts trailing punctuation: %s', (raw, expected) => {
    expect(cleanUrl(raw).url).toBe(expected);
  });

  it('keeps a balanced closing parenthesis that is part of the path', () => {
    expect(cleanUrl('https://en.wikipedia.org/wiki/Procurement_(law)').url).toBe('https://en.wikipedia.org/wiki/Procurement_(law)');
  });

  it('stops at the first Chinese character glued after the URL', () => {
    const r = cleanUrl('https://www.unep.org/resources下载报告');
    expect(r.url).toBe('https://www.unep.org/resources');
    expect(english(r.changes)[0]).toContain('下载报告');
  });

  it('converts full-width characters to ASCII', () => {
    const r = cleanUrl('ｈｔｔｐｓ：／／ｗｗｗ．ｅｘａｍｐｌｅ．ｏｒｇ／ＡＢ');
    expect(r.url).toBe('https://www.example.org/AB');
    expect(english(r.changes)).toContain('converted full-width characters');
  });

  it('removes the line breaks of a URL split across lines', () => {
    expect(cleanUrl('https://www.oneplanetnetwork.org/knowledge-\ncentre/resources/x').url).toBe(
      'https://www.oneplanetnetwork.org/knowledge-centre/resources/x',
    );
  });
});

describe('cleanUrl: redirects, placeholders and refusals', () => {
  it('unwraps a click tracker whose target is in the URL, then cleans the target', () => {
    const target = encodeURIComponent('https://example.org/report?id=3&utm_source=mc');
    const r = cleanUrl(`https://oneplanet.us1.list-manage.com/track/click?u=abc&id=def&e=ghi&url=${target}`);
    expect(r.url).toBe('https://example.org/report?id=3');
    expect(english(r.changes)[0]).toMatch(/unwrapped redirect/);
  });

  it.each([
    ['https://www.google.com/url?q=https%3A%2F%2Fexample.org%2Fa&sa=D', 'https://example.org/a'],
    ['https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.org%2Fb&data=05', 'https://example.org/b'],
    ['https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.org%2Fc&h=AT0', 'https://example.org/c'],
  ])('unwraps %s', (raw, expected) => {
    expect(cleanUrl(raw).url).toBe(expected);
  });

  it('warns about a Mailchimp click tracker it cannot resolve, and leaves it', () => {
    const raw = 'https://oneplanet.us1.list-manage.com/track/click?u=abc&id=def&e=ghi';
    const r = cleanUrl(raw);
    expect(r.url).toBe(raw);
    expect(english(r.changes).join(' ')).toMatch(/cannot be resolved offline/);
  });

  it('leaves a t.co short link and says it cannot be checked', () => {
    const r = cleanUrl('https://t.co/AbC123');
    expect(r.url).toBe('https://t.co/AbC123');
    expect(english(r.changes).join(' ')).toMatch(/cannot be checked/);
  });

  it('keeps a mailchi.mp campaign archive link as it is', () => {
    expect(cleanUrl('https://mailchi.mp/oneplanetnetwork/2022recap')).toEqual({
      url: 'https://mailchi.mp/oneplanetnetwork/2022recap',
      changes: [],
      placeholder: false,
    });
  });

  it.each(['#', '', '  ', '#section'])('flags the placeholder %j and never sends it', (raw) => {
    const r = cleanUrl(raw);
    expect(r.url).toBeNull();
    expect(r.placeholder).toBe(true);
  });

  it.each(['javascript:alert(1)', 'JavaScript:void(0)', 'data:text/html;base64,PHNjcmlwdD4=', 'ftp://example.org/f', 'file:///etc/passwd'])(
    'rejects %s',
    (raw) => {
      const r = cleanUrl(raw);
      expect(r.url).toBeNull();
      expect(r.placeholder).toBe(false);
      expect(r.changes.length).toBeGreaterThan(0);
    },
  );

  it('accepts mailto links', () => {
    expect(cleanUrl('mailto:wangj@mepcec.com').url).toBe('mailto:wangj@mepcec.com');
  });
});

describe('cleanUrl is idempotent', () => {
  it.each([
    `https://www.oneplanetnetwork.org/globalstrategy?${MAILCHIMP_TAIL}`,
    'http:www.meecec.com',
    'https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en. ',
    'ｗｗｗ．ｅｘａｍｐｌｅ．ｏｒｇ／ａ，',
    'https://www.google.com/url?q=https%3A%2F%2Fexample.org%2Fa%3Futm_medium%3Dx',
  ])('cleaning %s twice changes nothing the second time', (raw) => {
    const once = cleanUrl(raw);
    expect(once.url).not.toBeNull();
    expect(cleanUrl(once.url!)).toEqual({ url: once.url, changes: [], placeholder: false });
  });
});

describe('cleanLinksInText', () => {
  it('turns a placeholder [text](#) into plain text and reports it', () => {
    const r = cleanLinksInText('摘自：[同一个地球网络网站](#)');
    expect(r.text).toBe('摘自：同一个地球网络网站');
    expect(r.reports).toEqual([{ original: '#', text: '同一个地球网络网站', cleaned: null, changes: [{ key: 'link.placeholder' }], warning: true }]);
    expect(english(r.reports[0]!.changes)).toEqual(['placeholder link: not sent']);
  });

  it('cleans Markdown links and bare URLs but keeps the punctuation of the sentence', () => {
    const r = cleanLinksInText(
      '标准可参照：https://www.mvicriteria.nl/nl/webtool?criterion=4890&utm_source=x#compensatie//7/1//en. 详见[报告](https://example.org/r?fbclid=1 "标题")。来源（www.oneplanetnetwork.org）',
    );
    expect(r.text).toBe(
      '标准可参照：https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en. 详见[报告](https://example.org/r "标题")。来源（https://www.oneplanetnetwork.org）',
    );
    expect(r.reports.map((x) => x.cleaned)).toEqual([
      'https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en',
      'https://example.org/r',
      'https://www.oneplanetnetwork.org',
    ]);
  });

  it('drops a javascript: link but keeps its words', () => {
    const r = cleanLinksInText('Click [here](javascript:alert(1)) now');
    expect(r.text).not.toContain('javascript');
    expect(r.text).toContain('here');
    expect(r.reports[0]?.warning).toBe(true);
  });

  it('reports nothing for text whose links are already clean', () => {
    const text = 'See [the report](https://example.org/r?id=2#p3) and <https://example.com/>.';
    expect(cleanLinksInText(text)).toEqual({ text, reports: [] });
  });
});

describe('cleanIssueLinks', () => {
  const issue: IssueContent = {
    title: 'Test',
    language: 'en',
    intro: 'Welcome, read [this](https://example.org/w?utm_campaign=x).',
    sections: [
      {
        title: 'News',
        articles: [
          {
            title: 'A',
            body: 'Text with [a placeholder](#) and http:www.example.com/a.',
            sources: [
              { url: 'https://example.org/a?utm_source=x', label: 'A' },
              { url: '#', label: 'placeholder' },
              { url: 'https://example.org/a?fbclid=1', label: 'same after cleaning' },
              { url: 'https://example.org/b', label: 'B' },
            ],
            image: { url: 'https://cdn.example.org/i.png?utm_medium=email', alt: 'pic' },
          },
        ],
      },
    ],
    footer: { contact: 'me@example.org · http:www.example.org', disclaimer: 'Compiled from www.example.net.' },
  };

  it('cleans sources, images, bodies, intro and footer, reporting where each link is', () => {
    const { content, lint } = cleanIssueLinks(issue);
    const article = content.sections[0]!.articles[0]!;
    expect(article.sources).toEqual([
      { url: 'https://example.org/a', label: 'A' },
      { url: 'https://example.org/b', label: 'B' },
    ]);
    expect(article.image).toEqual({ url: 'https://cdn.example.org/i.png', alt: 'pic' });
    expect(article.body).toBe('Text with a placeholder and http://www.example.com/a.');
    expect(content.intro).toBe('Welcome, read [this](https://example.org/w).');
    expect(content.footer.contact).toBe('me@example.org · http://www.example.org');
    expect(content.footer.disclaimer).toBe('Compiled from https://www.example.net.');

    const where = lint.map((l) => l.where);
    expect(where).toEqual([
      'sections[0].articles[0].sources[0]',
      'sections[0].articles[0].sources[1]',
      'sections[0].articles[0].sources[2]',
      'sections[0].articles[0].image',
      'sections[0].articles[0].body',
      'sections[0].articles[0].body',
      'footer.disclaimer',
      'footer.contact',
      'intro',
    ]);
    const placeholder = lint.find((l) => l.where.endsWith('sources[1]'))!;
    expect(placeholder).toMatchObject({ original: '#', cleaned: null, severity: 'warning' });
    expect(english(lint.find((l) => l.where.endsWith('sources[2]'))!.changes)).toContain('duplicate of an earlier source, removed');
    expect(lint.find((l) => l.where === 'sections[0].articles[0].body' && l.original === '#')!.severity).toBe('warning');
    expect(lint.find((l) => l.where === 'intro')!.severity).toBe('info');
  });

  it('is idempotent: a cleaned issue cleans to itself with an empty report', () => {
    const once = cleanIssueLinks(issue).content;
    const twice = cleanIssueLinks(once);
    expect(twice.lint).toEqual([]);
    expect(twice.content).toEqual(once);
  });

  it('does not modify the issue it is given', () => {
    const copy = structuredClone(issue);
    cleanIssueLinks(issue);
    expect(issue).toEqual(copy);
  });
});

describe('links that look invented (issue 20)', () => {
  const flagged = (url: string) => {
    const r = cleanUrl(url);
    return r.changes.filter((c) => c.key.startsWith('editorUx.link.')).map((c) => c.key);
  };
  it('flags a scheme or mailto: inside the path, two hosts run together, a www. host in the path; keeps the link', () => {
    expect(flagged('https://example.org/news/https://other.org/a')).toEqual(['editorUx.link.schemeInPath']);
    expect(flagged('https://example.org/contact/mailto:info@example.org')).toEqual(['editorUx.link.schemeInPath']);
    expect(flagged('https://example.org/share?to=mailto:x@example.org')).toEqual(['editorUx.link.schemeInPath']);
    expect(flagged('https://www.example.comwww.other.org/page')).toEqual(['editorUx.link.twoHosts']);
    expect(flagged('https://example.org.www.other.org/')).toEqual(['editorUx.link.twoHosts']);
    expect(flagged('https://example.orghttps://other.org/a')).toEqual(['editorUx.link.twoHosts']);
    expect(flagged('https://example.org/www.other.org/page')).toEqual(['editorUx.link.hostInPath']);
    expect(cleanUrl('https://example.org/news/https://other.org/a').url).toBe('https://example.org/news/https://other.org/a');
  });
  it('leaves ordinary links, web archives and URLs passed as query values alone', () => {
    for (const url of [
      'https://example.org/a/b?c=1',
      'https://web.archive.org/web/2020/https://example.org/',
      'https://twitter.com/intent/tweet?url=https%3A%2F%2Fexample.org',
      'https://www.unep.org/resources/report',
      'mailto:info@example.org',
    ])
      expect(flagged(url), url).toEqual([]);
  });
  it('reports the link text of Markdown links and source labels in the issue report', () => {
    const r = cleanLinksInText('See [the report](https://example.org/x/http://y.org) now.');
    expect(r.reports[0]).toMatchObject({ text: 'the report', warning: true });
  });
});
