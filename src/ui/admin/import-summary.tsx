/** The summary of a finished subscriber import (the page after the form, and the live import's last line). */
import type { Services } from '../../services.ts';
import { say, type View } from './shell.tsx';

/** A finished import's summary, as the subscribers service gives it (and the live import sends it). */
export type ImportResult = Awaited<ReturnType<Services['subscriberList']['import']>>;

const SKIP_KEYS = ['duplicate', 'already_subscribed', 'pending', 'unsubscribed', 'suppressed', 'erased'] as const;
const LISTED = 100;

/** Rows by line number (as an editor numbers lines: 20002, not 20,002), each once, in words: "Line 201: a quotation mark is not closed". */
function RowList(props: { v: View; rows: ImportResult['errors']; count: number; more: (n: number) => string; testid: string }) {
  const { v, rows } = props;
  const shown = rows.slice(0, LISTED);
  return (
    <>
      <ul data-testid={props.testid}>
        {shown.map((e) => (
          <li class="small">{v.t('csvUx.line', { line: e.line, said: say(v, e.said) })}</li>
        ))}
      </ul>
      {props.count > shown.length ? <p class="muted small">{props.more(props.count - shown.length)}</p> : null}
    </>
  );
}

/** Added, skipped by reason, rows with errors and rows imported with a note, by line number. */
export function ImportResultCard(props: { v: View; result: ImportResult }) {
  const { v, result } = props;
  const t = v.t;
  const skipped = Object.entries(result.skipped).filter(([, n]) => n > 0);
  const skippedTotal = skipped.reduce((a, [, n]) => a + n, 0);
  return (
    <div class="card" data-testid="import-result" style="margin-bottom:1.5rem">
      <p>
        <strong>{t('subs.importResult', { imported: result.imported, total: result.total })}</strong>
      </p>
      <p class="small">{t('subs.importSummary', { added: result.imported, skipped: skippedTotal, errors: result.errorCount })}</p>
      {result.fieldsCreated?.length ? (
        <p class="small" data-testid="fields-created">
          {t('fields.created', { keys: result.fieldsCreated.join(', ') })}
        </p>
      ) : null}
      {skipped.length ? (
        <>
          <h3>{t('subs.importSkipped')}</h3>
          <ul>
            {skipped.map(([k, n]) => (
              <li>
                {(SKIP_KEYS as readonly string[]).includes(k) ? t(`subs.skip.${k as (typeof SKIP_KEYS)[number]}`) : k}: {n}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {result.errorCount > 0 ? (
        <>
          <h3>
            {t('subs.importErrors')} ({result.errorCount})
          </h3>
          <RowList v={v} rows={result.errors} count={result.errorCount} more={(count) => t('subs.importMoreErrors', { count })} testid="import-errors" />
        </>
      ) : null}
      {result.noteCount > 0 ? (
        <>
          <h3>
            {t('csvUx.notes')} ({result.noteCount})
          </h3>
          <RowList v={v} rows={result.notes} count={result.noteCount} more={(count) => t('csvUx.moreNotes', { count })} testid="import-notes" />
        </>
      ) : null}
    </div>
  );
}
