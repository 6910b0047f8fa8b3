import { describe, expect, it } from 'vitest';
import { cleanUrl } from '../../../src/content/links.ts';
import { detectFormat, findLostText, importIssue } from '../../../src/content/import/index.ts';
import { i18n, type StoredMessage } from '../../../src/i18n/index.ts';
import { type IssueContent, issueContentSchema } from '../../../src/modules/issues/model.ts';
import { seedFiles as allSeeds, seed } from '../../helpers/seeds.ts';

/** Messages as an English reader sees them. */
const english = (ms: StoredMessage[]) => ms.map((m) => i18n('en').m(m));

const seedFiles = allSeeds();

const CJK = '\\p{Script=Han}\\u3000-\\u303F\\uFF00-\\uFFEF';
/** A line break left between two CJK characters inside one paragraph. */
const MID_SENTENCE_BREAK = new RegExp(`[${CJK}]\\n(?!\\n)[${CJK}]`, 'u');

function proseFields(c: IssueContent): string[] {
  return [c.intro ?? '', c.footer.disclaimer ?? '', ...c.sections.flatMap((s) => s.articles.map((a) => a.body))];
}

function articleTitles(c: IssueContent): string[][] {
  return c.sections.map((s) => s.articles.map((a) => a.title));
}

interface SeedExpectation {
  prefix: string;
  format: 'markdown' | 'text';
  title?: string;
  volume?: string;
  sections: string[];
  articlesPerSection: number[];
}

// Counts verified by reading each file: the Markdown exports list their articles in a 目录;
// the PDF extracts have one article per title box, with the links printed at each page end.
const expectations: SeedExpectation[] = [
  {
    prefix: '000',
    format: 'text',
    sections: ['同一个地球网络最新进展', 'SPP计划最新进展', '合作伙伴最新进展'],
    articlesPerSection: [3, 3, 2],
  },
  {
    prefix: '001',
    format: 'markdown',
    title: '同一个地球网络 可持续公共采购计划简报',
    volume: '2023年第2期 总第12期',
    sections: ['同一个地球网络最新进展', '可持续公共采购计划最新进展', '合作伙伴最新进展'],
    articlesPerSection: [2, 2, 4],
  },
  {
    prefix: '002',
    format: 'text',
    // The page-4 header of this extract repeats the first section between SPP pages: a page
    // header, not a second section (issue 20; the old expectation kept the bug). Page 1 holds two
    // articles: the key messages, and the declaration excerpt titled after its text.
    sections: ['同一个地球网络最新进展', 'SPP计划最新进展', '合作伙伴最新进展'],
    articlesPerSection: [3, 2, 4],
  },
  {
    prefix: '004',
    format: 'markdown',
    title: '同一个地球网络 可持续公共采购计划简报',
    sections: ['同一个地球网络最新进展', '可持续公共采购计划最新进展', '合作伙伴最新进展'],
    articlesPerSection: [3, 3, 4],
  },
];

describe('importIssue on the real past issues', () => {
  it('has an expectation for every seed file', () => {
    expect(seedFiles.map((f) => f.slice(0, 3))).toEqual(expectations.map((e) => e.prefix));
  });

  describe.each(expectations)('seed $prefix', (expected) => {
    const source = seed(expected.prefix);
    const result = importIssue(source);
    const { content } = result;

    it('detects the format and produces a valid issue', () => {
      expect(result.format).toBe(expected.format);
      expect(issueContentSchema.safeParse(content).success).toBe(true);
      expect(content.language).toBe('zh-CN');
    });

    it('finds the title and volume', () => {
      if (expected.title) expect(content.title).toBe(expected.title);
      else expect(english(result.warnings).join('\n')).toMatch(/has no issue title of its own/);
      expect(content.volume).toBe(expected.volume);
    });

    it('finds the sections and articles, none empty', () => {
      expect(content.sections.map((s) => s.title)).toEqual(expected.sections);
      expect(content.sections.map((s) => s.articles.length)).toEqual(expected.articlesPerSection);
      for (const s of content.sections) {
        for (const a of s.articles) expect(a.body.trim() !== '' || a.sources.length > 0).toBe(true);
      }
      // A page header repeated on consecutive pages does not open a second section.
      for (const [i, s] of content.sections.slice(1).entries()) expect(s.title).not.toBe(content.sections[i]!.title);
    });

    it('loses no text and needs no fallback to place it', () => {
      expect(findLostText(source, content, result.setAside)).toEqual([]);
      expect(english(result.warnings).join('\n')).not.toMatch(/could not be placed/);
    });

    it('leaves no tracking parameter anywhere', () => {
      const json = JSON.stringify(content);
      expect(json).not.toMatch(/utm_|mc_cid|mc_eid|[?&]ct=/i);
    });

    it('leaves no line break in the middle of a Chinese sentence', () => {
      for (const text of proseFields(content)) expect(text).not.toMatch(MID_SENTENCE_BREAK);
    });

    it('gives every article clean, distinct, sendable sources', () => {
      for (const a of content.sections.flatMap((s) => s.articles)) {
        const urls = a.sources.map((s) => s.url);
        expect(new Set(urls).size).toBe(urls.length);
        for (const url of urls) {
          expect(url).toMatch(/^https?:\/\//);
          expect(cleanUrl(url)).toEqual({ url, changes: [], placeholder: false });
        }
      }
    });

    it('keeps the footer: disclaimer, and editor when the issue names one', () => {
      expect(content.footer.disclaimer).toMatch(/^简报内容来源于/);
      if (expected.prefix !== '000') {
        // The name only: the email prints the label "编辑：" itself (was "编辑：编辑：王璟").
        expect(content.footer.editor).toBe('王璟');
        expect(content.footer.contact).toContain('wangj@mepcec.com');
      }
    });
  });

  it('000: splits the pages into articles with their page-end links and titles printed after the text', () => {
    const { content } = importIssue(seed('000'));
    expect(articleTitles(content)).toEqual([
      ['向巴塞尔、鹿特丹和斯德哥尔摩公约秘书处提交信息简报', '可持续消费和生产与应对气候变化', '可持续消费和生产与生物多样性'],
      ['启动策划可持续公共采购计划（2023-2024年）重点工作', '支持建筑材料全球可持续采购指南项目', '旅游业气候行动基线报告'],
      ['荷兰数字化工作场所循环公共采购最佳实践', '印度发起环境友好生活方式（LiFE）倡议'],
    ]);
    const [first] = content.sections[0]!.articles;
    expect(first!.attribution).toBe('摘自：同一个地球网络网页');
    expect(first!.body).toMatch(/^近日，可持续消费和生产模式十年框架方案框架（10YFP）秘书处向拟于今年5月召开的/);
    // The page listed the same link twice; the bullets became one Markdown list.
    const plan = content.sections[1]!.articles[0]!;
    expect(plan.sources).toEqual([{ url: 'https://www.oneplanetnetwork.org/globalstrategy', label: plan.title }]);
    expect(plan.body.match(/^- /gm)).toHaveLength(4);
    // Two articles on one page, two links at its end: one each.
    expect(content.sections[1]!.articles[2]!.sources.map((s) => s.url)).toEqual([
      'https://www.oneplanetnetwork.org/knowledge-centre/resources/baseline-report-climate-action-tourism',
    ]);
    expect(content.sections[2]!.articles[0]!.sources.map((s) => s.url)).toEqual(['https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en']);
    // Sub-headings after "…三大支柱行动：" stay inside their article.
    expect(content.sections[2]!.articles[1]!.body).toContain('**关注个人行动**');
    expect(content.sections[2]!.articles[1]!.sources).toHaveLength(1);
  });

  it('002: keeps the 01–06 list items whole and attaches a caption line as the source label', () => {
    const { content } = importIssue(seed('002'));
    const outcome = content.sections[0]!.articles[2]!;
    expect(outcome.title).toBe('同一个地球网络全球论坛成果报告');
    const items = outcome.body.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(items).toHaveLength(6);
    expect(items[0]).toBe('01. 鼓励可持续旅游实践，最大限度地减少对环境、社会和经济的影响，以促进自然和文化遗产的保护、恢复、可持续增值和气候行动。');
    // The kicker "内容摘录" over a title printed after its text: the title of that text, not a link label.
    const excerpt = content.sections[0]!.articles[1]!;
    expect(excerpt.title).toBe('内容摘录：同一个地球网络全球论坛发布生物经济倡议宣言');
    expect(excerpt.sources.map((s) => s.url)).toEqual([
      'https://www.oneplanetnetwork.org/knowledge-centre/resources/one-planet-network-forum-2024-gib-annex-1-leaders-declaration',
    ]);
    // Justified text "60% 的 水 泥 替 换" loses the spaces between the characters.
    expect(content.sections[2]!.articles[2]!.body).toContain('60% 的水泥替换为高炉矿渣粉');
    expect(content.footer.contact).toBe('wangj@mepcec.com · http://www.meecec.com · http://www.oneplanetnetwork.org/');
  });

  it('001 and 004: the table of contents is used, not copied, and placeholder links are flagged', () => {
    for (const prefix of ['001', '004']) {
      const result = importIssue(seed(prefix));
      expect(result.content.intro ?? '').not.toMatch(/目\s*录/);
      expect(JSON.stringify(result.content)).not.toContain('](#)');
      const placeholders = result.lint.filter((l) => l.original === '#');
      expect(placeholders.length).toBeGreaterThan(0);
      for (const p of placeholders) expect(p).toMatchObject({ cleaned: null, severity: 'warning' });
    }
    const c001 = importIssue(seed('001')).content;
    expect(articleTitles(c001)[0]).toEqual(['同一个地球网络遏制塑料污染的解决方案', '同一个地球网络发起可持续消费和生产 Nexus系列对话']);
    expect(c001.sections[0]!.articles[0]!.attribution).toBe('摘自：同一个地球网络网站');
    // The logo tagline is not an intro (issue 20): it is named in a note instead.
    const r001 = importIssue(seed('001'));
    expect(r001.content.intro).toBeUndefined();
    expect(english(r001.warnings).join('\n')).toContain('“One planet procure with care” looks like a logo tagline');
    // The TOC says "UNDP…", the article says "联合国开发计划署…": still recognised as that article.
    const c004 = importIssue(seed('004')).content;
    expect(articleTitles(c004)[1]![1]).toMatch(/^联合国开发计划署乌兹别克斯坦供水基础设施/);
    expect(c004.sections[0]!.articles[0]!.attribution).toBe('摘自同一个地球网络信息简报（11月）');
    // A sentence cut by a blank line in the export is one paragraph again.
    expect(c004.sections[1]!.articles[1]!.body).toContain('招标采购电动公交车充电点项目获得认可');
  });
});

describe('importIssue on an English Markdown newsletter', () => {
  const source = `# The Green Ledger

Issue 42 · March 5, 2024

Welcome back! This month: [solar](https://example.com/solar?utm_source=newsletter&ref=home) and wind.

## News

### Solar farms double in size

Installed capacity doubled in 2023, according to the
International Energy Agency. Prices kept falling.

Source: [IEA](https://www.iea.org/reports/renewables-2023?utm_campaign=march&fbclid=abc123)

### Wind power in the North Sea

New turbines came online.
https://example.org/wind?gclid=xyz&page=2#details

![A wind turbine](https://cdn.example.org/turbine.jpg?utm_source=x)

## Events

### Procurement forum

- Day 1: **keynotes**
- Day 2: workshops

[Register here](https://forum.example.net/register?mc_cid=1&mc_eid=2)

---

You are receiving this email because you subscribed. © 2024 Green Ledger.

Editor: Jane Doe
jane@example.com
`;
  const result = importIssue(source);
  const { content } = result;

  it('reads title, volume, date, intro and language', () => {
    expect(result.format).toBe('markdown');
    expect(content).toMatchObject({ title: 'The Green Ledger', volume: 'Issue 42 · March 5, 2024', date: '2024-03-05', language: 'en' });
    expect(content.intro).toBe('Welcome back! This month: [solar](https://example.com/solar?ref=home) and wind.');
  });

  it('maps ## to sections and ### to articles', () => {
    expect(content.sections.map((s) => s.title)).toEqual(['News', 'Events']);
    expect(articleTitles(content)).toEqual([['Solar farms double in size', 'Wind power in the North Sea'], ['Procurement forum']]);
  });

  it('joins soft-wrapped English lines with a space and keeps lists as Markdown', () => {
    const [solar] = content.sections[0]!.articles;
    expect(solar!.body).toBe('Installed capacity doubled in 2023, according to the International Energy Agency. Prices kept falling.');
    expect(content.sections[1]!.articles[0]!.body).toBe('- Day 1: **keynotes**\n- Day 2: workshops');
  });

  it('turns link lines into clean sources, "Source:" into the attribution, the image into the article image', () => {
    const [solar, wind] = content.sections[0]!.articles;
    expect(solar!.attribution).toBe('Source: IEA');
    expect(solar!.sources).toEqual([{ url: 'https://www.iea.org/reports/renewables-2023', label: 'IEA' }]);
    expect(wind!.sources).toEqual([{ url: 'https://example.org/wind?page=2#details', label: 'Wind power in the North Sea' }]);
    expect(wind!.image).toEqual({ url: 'https://cdn.example.org/turbine.jpg', alt: 'A wind turbine' });
    expect(content.sections[1]!.articles[0]!.sources).toEqual([{ url: 'https://forum.example.net/register', label: 'Register here' }]);
    expect(result.lint.map((l) => l.where)).toContain('sections[0].articles[1].image');
  });

  it('reads the footer', () => {
    expect(content.footer).toEqual({
      disclaimer: 'You are receiving this email because you subscribed. © 2024 Green Ledger.',
      editor: 'Jane Doe',
      contact: 'jane@example.com',
    });
    expect(findLostText(source, content)).toEqual([]);
  });
});

describe('importIssue on PDF-extracted text', () => {
  // Every visual line is followed by a blank line, as in the extracts; pages end with link lists.
  const pdf = (lines: string[]) => lines.join('\n\n');

  it('joins lines broken mid-sentence: no space in Chinese, a space in English', () => {
    const { content } = importIssue(
      pdf([
        '最新动态',
        '可持续采购指南发布',
        '联合国环境规划署今天发布了一份关于可持续公共采购的',
        '全新指南，介绍了各国政府在建筑领域推行绿色采购的',
        'Good Practice 案例和经验。',
        'The guide was written by the One Planet network and',
        'covers construction, food and ICT procurement.',
      ]),
      { format: 'text' },
    );
    const article = content.sections[0]!.articles[0]!;
    expect(content.sections[0]!.title).toBe('最新动态');
    expect(article.title).toBe('可持续采购指南发布');
    expect(article.body).toBe(
      '联合国环境规划署今天发布了一份关于可持续公共采购的全新指南，介绍了各国政府在建筑领域推行绿色采购的Good Practice 案例和经验。\n\n' +
        'The guide was written by the One Planet network and covers construction, food and ICT procurement.',
    );
  });

  it('keeps numbered items split across lines as whole Markdown list items', () => {
    const { content } = importIssue(
      [
        '合作伙伴最新进展',
        '',
        '全球论坛成果报告',
        '',
        '报告概述了所需采取的关键行动领域，内容如下。',
        '',
        '01 鼓励可持续旅游实践，最大限度地减少对环境的影响，以促进自',
        '然和文化遗产的保护。',
        '',
        '02 确保包容性解决方案，帮助消除可持续粮食系统转型的各种障碍的同时提升环',
        '境效益。',
      ].join('\n'),
      { format: 'text' },
    );
    expect(content.sections[0]!.articles[0]!.body).toBe(
      '报告概述了所需采取的关键行动领域，内容如下。\n\n' +
        '01. 鼓励可持续旅游实践，最大限度地减少对环境的影响，以促进自然和文化遗产的保护。\n' +
        '02. 确保包容性解决方案，帮助消除可持续粮食系统转型的各种障碍的同时提升环境效益。',
    );
  });

  it('attaches the links at a page end to the articles they follow and drops duplicates', () => {
    const source =
      pdf(['合作伙伴最新进展', '第一篇报告', '第一篇报告介绍了可持续采购在建筑领域的应用。', '第二篇报告', '第二篇报告介绍了食品领域的公共采购实践。']) +
      '\n\nhttps://example.org/one?utm_source=a\nhttps://example.org/two?utm_source=a\nhttps://example.org/two?utm_source=a\n\n\n' +
      pdf(['合作伙伴最新进展', '第三篇报告', '第三篇报告只有一段文字。']) +
      '\n\nhttps://example.org/three\nhttps://example.org/three-more\nhttps://example.org/three\n';
    const { content } = importIssue(source, { format: 'text' });
    expect(content.sections).toHaveLength(1);
    const articles = content.sections[0]!.articles;
    expect(articles.map((a) => [a.title, a.sources.map((s) => s.url)])).toEqual([
      ['第一篇报告', ['https://example.org/one']],
      ['第二篇报告', ['https://example.org/two']],
      ['第三篇报告', ['https://example.org/three', 'https://example.org/three-more']],
    ]);
  });

  it('puts a title printed after its text on that text, and repeated page headers make one section', () => {
    const source = [
      '同一个地球网络最新进展',
      '',
      '理事会在一次高级别会议中指出，新战略高度重视可持续消费和生产。',
      '',
      '可持续消费和生产与气候变化',
      '',
      '大会汇集了来自各方的行动者联盟，讨论消费和生产模式的作用。',
      '',
      '可持续消费和生产与生物多样性',
      '',
      '（摘自：同一个地球网络网站）',
      '',
      'https://mailchi.mp/oneplanetnetwork/2022recap',
      '',
      '',
      '同一个地球网络最新进展',
      '',
      '第三篇文章',
      '',
      '第三篇文章的正文。',
    ].join('\n');
    const { content } = importIssue(source, { format: 'text' });
    expect(content.sections.map((s) => s.title)).toEqual(['同一个地球网络最新进展']);
    expect(content.sections[0]!.articles.map((a) => [a.title, a.body, a.attribution ?? null])).toEqual([
      ['可持续消费和生产与气候变化', '理事会在一次高级别会议中指出，新战略高度重视可持续消费和生产。', null],
      ['可持续消费和生产与生物多样性', '大会汇集了来自各方的行动者联盟，讨论消费和生产模式的作用。', '摘自：同一个地球网络网站'],
      ['第三篇文章', '第三篇文章的正文。', null],
    ]);
    expect(content.sections[0]!.articles[1]!.sources).toEqual([
      { url: 'https://mailchi.mp/oneplanetnetwork/2022recap', label: '可持续消费和生产与生物多样性' },
    ]);
  });

  it('repairs a URL cut by the line end and keeps an inline URL in its sentence', () => {
    const source = [
      'News',
      '',
      'Circular procurement',
      '',
      'The Dutch criteria are published at: ',
      'https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en. ',
      '',
      'https://www.oneplanetnetwork.org/knowledge-centre/resources/baseline-report-climate-',
      'action-tourism?utm_source=x',
    ].join('\n');
    const { content } = importIssue(source, { format: 'text' });
    const article = content.sections[0]!.articles[0]!;
    expect(article.body).toBe('The Dutch criteria are published at: https://www.mvicriteria.nl/nl/webtool?criterion=4890#compensatie//7/1//en.');
    expect(article.sources.map((s) => s.url)).toEqual(['https://www.oneplanetnetwork.org/knowledge-centre/resources/baseline-report-climate-action-tourism']);
  });
});

describe('importIssue on other layouts', () => {
  it('reads pdftotext-style English text: single line breaks, blank lines between paragraphs', () => {
    const source = `Weekly Procurement Digest
Issue 7

NEWS

City of Oslo buys zero-emission machines
Oslo has required zero-emission construction machinery in its tenders since
2019. Most of its sites now run on electric equipment.
https://www.oslo.kommune.no/zero?utm_source=digest

EU adopts new ecodesign rules
The regulation introduces a digital product passport.
https://environment.ec.europa.eu/ecodesign

EVENTS

Procura+ Seminar 2025
Join us in Zeeland for two days of talks.
https://procuraplus.org/seminar

Copyright 2025 Example Org. You received this because you subscribed.
`;
    const result = importIssue(source);
    const { content } = result;
    expect(result.format).toBe('text');
    expect(content).toMatchObject({ title: 'Weekly Procurement Digest', volume: 'Issue 7', language: 'en' });
    expect(content.sections.map((s) => [s.title, s.articles.map((a) => [a.title, a.sources.map((x) => x.url)])])).toEqual([
      [
        'NEWS',
        [
          ['City of Oslo buys zero-emission machines', ['https://www.oslo.kommune.no/zero']],
          ['EU adopts new ecodesign rules', ['https://environment.ec.europa.eu/ecodesign']],
        ],
      ],
      ['EVENTS', [['Procura+ Seminar 2025', ['https://procuraplus.org/seminar']]]],
    ]);
    expect(content.sections[0]!.articles[0]!.body).toBe(
      'Oslo has required zero-emission construction machinery in its tenders since 2019. Most of its sites now run on electric equipment.',
    );
    expect(content.footer.disclaimer).toBe('Copyright 2025 Example Org. You received this because you subscribed.');
  });

  it('uses a Markdown contents list of links to recognise the articles without copying it', () => {
    const source = '# Monthly\n\n## In this issue\n\n- [Alpha news](#alpha)\n- [Beta news](#beta)\n\n## Alpha news\n\nA text.\n\n## Beta news\n\nB text.\n';
    const result = importIssue(source);
    expect(result.content.intro).toBeUndefined();
    expect(articleTitles(result.content)).toEqual([['Alpha news', 'Beta news']]);
    expect(result.warnings).toEqual([]);
  });
});

describe('never losing text', () => {
  it('findLostText reports a sentence the content does not contain', () => {
    const source = '第一句话。第二句话！\nA third sentence. A fourth one.';
    const content: IssueContent = {
      title: 't',
      language: 'zh-CN',
      intro: '第一句话。A third sentence.',
      sections: [],
      footer: {},
    };
    expect(findLostText(source, content)).toEqual(['第二句话！', 'A fourth one.']);
  });

  it('findLostText ignores whitespace, punctuation, Markdown markup and URLs', () => {
    const source = '摘自：[同一个地球网络网站](#)\n（www.example.org）详见\n**重点** 工作\nhttps://example.org/x?utm_source=y';
    const content: IssueContent = {
      title: 't',
      language: 'zh-CN',
      intro: '摘自同一个地球网络网站\n\n（https://www.example.org）详见 重点工作',
      sections: [],
      footer: {},
    };
    expect(findLostText(source, content)).toEqual([]);
  });

  it('keeps the name of a section that ended up without articles, and says so', () => {
    const source = '# Digest\n\n## Empty corner\n\n## News\n\n### Item\n\nSome text.\n';
    const result = importIssue(source);
    expect(result.content.sections.map((s) => s.title)).toEqual(['News']);
    expect(result.content.intro).toBe('Empty corner');
    expect(english(result.warnings).join('\n')).toMatch(/Empty corner/);
  });
});

describe('detectFormat', () => {
  it('recognises Markdown by its syntax and PDF text by its absence', () => {
    expect(detectFormat('# Title\n\nSome text with a [link](https://example.org).')).toBe('markdown');
    expect(detectFormat('摘自：[同一个地球网络网站](#)\n\n[更多](#)')).toBe('markdown');
    expect(detectFormat('同一个地球网络最新进展\n\n近日，秘书处向\n\n大会提交了报告。\n\nhttps://example.org/a')).toBe('text');
  });
});
