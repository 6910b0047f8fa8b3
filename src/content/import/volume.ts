/**
 * The number and date as a back issue prints them ("2023年第2期 总第12期", "Vol. 3, No. 2",
 * "Issue #41", "2024年11月", "15 March 2024"). Pure: no I/O, for Node and Workers alike.
 *
 * The rule for the number, best first:
 * 1. an overall number: 总第12期, 总12期, 总第12号, "Whole No. 12", "Issue 12 overall";
 * 2. a plain number: "Issue #41", "No. 41", "Number 41", "#41", 第41期 (not tied to a year or volume);
 * 3. the number within a year or volume (2023年第2期, "Vol. 3, No. 2" → 2) only when neither of the
 *    above is there: it repeats from one year or volume to the next, so the caller must expect it to
 *    be taken already (IssuesService keeps its own next number then and says so in a note).
 *
 * The rule for the date: a written date (2023年2月15日, 2024-11-05, "15 March 2024", "March 15,
 * 2024") gives its day; a month (2024年11月, 2024-11, "March 2024") the first of that month; and
 * failing both, the n-th issue of a year (2023年第2期 with n ≤ 12) is taken as a monthly issue and
 * dated the first of month n (`monthGuessed` says so, for a note to the editor).
 */

export interface VolumeInfo {
  number?: number;
  /** YYYY-MM-DD. */
  date?: string;
  /** The date came from "the n-th issue of the year", not from a written date. */
  monthGuessed?: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAME =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const monthOf = (name: string) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

const CN_DIGITS: Record<string, number> = { 〇: 0, 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 十二 → 12, 一百零五 → 105, 二〇二四 → 2024 (digit by digit when there is no 十/百). */
function chineseNumber(s: string): number | undefined {
  if (!/^[〇零一二两三四五六七八九十百]+$/.test(s)) return undefined;
  if (!/[十百]/.test(s)) return Number([...s].map((c) => CN_DIGITS[c]).join(''));
  let total = 0;
  let digit = 0;
  for (const c of s) {
    if (c === '百') {
      total += (digit || 1) * 100;
      digit = 0;
    } else if (c === '十') {
      total += (digit || 1) * 10;
      digit = 0;
    } else digit = CN_DIGITS[c]!;
  }
  return total + digit;
}

/** Full-width digits and letters folded, Chinese numerals before 年/月/日/期/号 written as digits. */
function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[〇零一二两三四五六七八九十百]+(?=\s*[年月日期号號])/g, (s) => String(chineseNumber(s) ?? s))
    .replace(/\s+/g, ' ');
}

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function isoDate(y: number, m: number, d = 1): string | undefined {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return undefined;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function findDate(t: string): string | undefined {
  const tries: [RegExp, (m: RegExpExecArray) => string | undefined][] = [
    // 2023年2月15日, 2023-02-15, 2023/2/15, 2023.02.15
    [/(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?!\d)\s*[日号]?/, (m) => isoDate(+m[1]!, +m[2]!, +m[3]!)],
    // March 15, 2024 · Mar. 15th 2024
    [new RegExp(`\\b${MONTH_NAME}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'i'), (m) => isoDate(+m[3]!, monthOf(m[1]!), +m[2]!)],
    // 15 March 2024 · 15th of March, 2024
    [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_NAME},?\\s+(\\d{4})\\b`, 'i'), (m) => isoDate(+m[3]!, monthOf(m[2]!), +m[1]!)],
    // 2024年11月 · 2024-11 · 2024/11 (not a range such as 2023-2030)
    [/(\d{4})\s*(?:年\s*(\d{1,2})\s*月|[-/.](\d{1,2})(?![\d.\-/]))/, (m) => isoDate(+m[1]!, +(m[2] ?? m[3])!)],
    // March 2024 · Mar. 2024 · March, 2024
    [new RegExp(`\\b${MONTH_NAME},?\\s+(\\d{4})\\b`, 'i'), (m) => isoDate(+m[2]!, monthOf(m[1]!))],
  ];
  for (const [re, make] of tries) {
    const m = re.exec(t);
    const d = m ? make(m) : undefined;
    if (d) return d;
  }
  return undefined;
}

const num = (s: string | undefined) => {
  const n = Number(s);
  return Number.isSafeInteger(n) && n > 0 && n < 1_000_000 ? n : undefined;
};

export function parseVolume(text: string): VolumeInfo {
  const t = normalise(text);
  const out: VolumeInfo = {};

  const overall = /总\s*第?\s*(\d+)\s*[期号號]?|\b(?:whole|overall|cumulative)\s+(?:no\.?|number|issue)\s*#?\s*(\d+)|\bissue\s*#?\s*(\d+)\s+overall\b/i.exec(t);
  // 2023年第2期 (or 2023年 第2期): the number within the year.
  const inYear = /(\d{4})\s*年\s*(?:第\s*)?(\d{1,3})\s*期/.exec(t);
  // Vol. 3, No. 2 · Volume 3 Issue 2 · Vol 3 #2 · 第3卷第2期
  const inVolume =
    /\bvol(?:ume)?\.?\s*(\d+)\s*[,;:/·-]?\s*(?:no\.?|nr\.?|number|issue|#)\s*#?\s*(\d+)/i.exec(t) ?? /第?\s*(\d+)\s*卷\s*第?\s*(\d+)\s*[期号號]/.exec(t);
  // What is left once those are taken out: Issue #41, No. 41, Number 41, #41, 第41期, Edition 41.
  const rest = t
    .replace(overall?.[0] ?? '\u0000', ' ')
    .replace(inYear?.[0] ?? '\u0000', ' ')
    .replace(inVolume?.[0] ?? '\u0000', ' ');
  const plain = /\b(?:issue|no|nr|number|edition)\.?\s*#?\s*(\d+)\b/i.exec(rest) ?? /(?:^|\s|[^\w&])#(\d+)\b/.exec(rest) ?? /第\s*(\d+)\s*[期号號]/.exec(rest);

  const n = num(overall?.[1] ?? overall?.[2] ?? overall?.[3]) ?? num(plain?.[1]) ?? num(inYear?.[2]) ?? num(inVolume?.[2]);
  if (n !== undefined) out.number = n;

  const date = findDate(t);
  if (date) out.date = date;
  else if (inYear && Number(inYear[2]) <= 12) {
    const guessed = isoDate(Number(inYear[1]), Number(inYear[2]));
    if (guessed) {
      out.date = guessed;
      out.monthGuessed = true;
    }
  }
  return out;
}

/**
 * The lines near the top of a source that say nothing but a number or a date ("2024年11月",
 * "Issue #41 · March 2024"): what `parseVolume` may read when the importer kept no volume line.
 * Only the first dozen non-empty lines, and only lines with (almost) nothing else in them, so a
 * date in running text is never taken for the issue's.
 */
export function volumeLines(source: string): string[] {
  const words = new RegExp(`\\b(?:vol(?:ume)?|no|nr|number|issue|edition|whole|overall|of|${MONTH_NAME.slice(1, -4)})\\b`, 'gi');
  return source
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*#{1,6}\s+/, '').trim())
    .filter(Boolean)
    .slice(0, 12)
    .filter((l) => {
      const t = normalise(l);
      if (t.length > 40) return false;
      const rest = t.replace(words, '').replace(/[\d\s\p{P}\p{S}年月日期第总号號卷]/gu, '');
      return rest.length <= 2 && /\d/.test(t);
    });
}
