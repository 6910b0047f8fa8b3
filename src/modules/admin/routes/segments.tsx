/** Segments (list, builder with live count, save, delete) and topics (add, rename, delete): issue 24. */
import { i18n } from '../../../i18n/index.ts';
import { AppError, describeError } from '../../../lib/errors.ts';
import { rowOf, SegmentBuilderPage, SegmentsPage, TopicsPage } from '../../../ui/admin/segments.tsx';
import { formFields, type AdminContext } from '../context.ts';
import { applyRowAction, builderState, definitionOf } from '../segment-forms.ts';
import { html, idParam, noNewsletterPage, redirectWith } from './respond.tsx';
import { type AdminApp, route } from './router.ts';
import type { BuilderState } from '../../../ui/admin/segments.tsx';

/** The builder again (a row added or removed, or a refused save), with the count of what it holds when it checks. */
async function builderAgain(c: AdminContext, state: BuilderState, error?: string, status = 200) {
  const v = c.var.view;
  const s = c.var.services.segments;
  const slug = v.current!.slug;
  let count: { count: number; sendable: number } | null = null;
  try {
    count = await s.countDefinition(slug, definitionOf(state));
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
  }
  return html(c, <SegmentBuilderPage v={v} state={state} count={count} error={error} topics={await s.topics(slug)} />, status);
}

async function save(c: AdminContext, id?: number) {
  const v = c.var.view;
  if (!v.current) return noNewsletterPage(c);
  const f = await formFields(c);
  const state = builderState(f, id);
  const moved = applyRowAction(state, f.action);
  if (moved) return builderAgain(c, moved);
  const s = c.var.services.segments;
  try {
    const seg = id
      ? await s.update(v.current.slug, id, definitionOf(state), c.var.session!.user)
      : await s.create(v.current.slug, definitionOf(state), c.var.session!.user);
    return redirectWith(c, `/admin/segments/${seg.id}`, 'ok', 'segments.saved', { name: seg.name });
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== 'validation_failed') throw e;
    return builderAgain(c, state, describeError(e, i18n(v.lang)), 422);
  }
}

export function segmentRoutes(app: AdminApp): void {
  route(app, 'GET', '/segments', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const s = c.var.services.segments;
    const items = await s.listWithCounts(await s.newsletter(v.current.slug));
    return html(c, <SegmentsPage v={v} flash={c.var.flash} items={items} />);
  });

  route(app, 'GET', '/segments/new', 'editor', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const state: BuilderState = { name: '', match: 'all', rows: [{ field: 'tag', attr: '', op: 'is', value: '' }] };
    return html(c, <SegmentBuilderPage v={v} state={state} count={null} topics={await c.var.services.segments.topics(v.current.slug)} />);
  });

  route(app, 'POST', '/segments', 'editor', (c) => save(c));

  /** The builder's live count: the unsaved form as JSON `{count, sendable, text}`, or `{error}` (200: the page says it). */
  route(app, 'POST', '/segments/count', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return c.json({ error: v.t('common.noNewsletter') });
    const state = builderState(await formFields(c));
    try {
      const r = await c.var.services.segments.countDefinition(v.current.slug, definitionOf(state));
      return c.json({ ...r, text: v.t('segments.liveCount', { count: r.count, sendable: r.sendable }) });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'validation_failed') throw e;
      return c.json({ error: v.t('segments.countFailed', { message: describeError(e, i18n(v.lang)) }) });
    }
  });

  route(app, 'GET', '/segments/:id{[0-9]+}', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const s = c.var.services.segments;
    const seg = await s.get(v.current.slug, idParam(c));
    const state: BuilderState = { id: seg.id, name: seg.name, match: seg.match, rows: seg.conditions.map(rowOf) };
    const count = await s.count(v.current.slug, seg.id);
    return html(c, <SegmentBuilderPage v={v} flash={c.var.flash} state={state} count={count} topics={await s.topics(v.current.slug)} />);
  });

  route(app, 'POST', '/segments/:id{[0-9]+}', 'editor', (c) => save(c, idParam(c)));

  route(app, 'POST', '/segments/:id{[0-9]+}/delete', 'editor', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    await c.var.services.segments.remove(v.current.slug, idParam(c), c.var.session!.user);
    return redirectWith(c, '/admin/segments', 'ok', 'segments.deleted');
  });

  route(app, 'GET', '/topics', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    return html(c, <TopicsPage v={v} flash={c.var.flash} topics={await c.var.services.segments.topics(v.current.slug)} />);
  });

  route(app, 'POST', '/topics', 'admin', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const f = await formFields(c);
    try {
      const tp = await c.var.services.segments.createTopic(
        v.current.slug,
        { name: f.name ?? '', ...(f.key?.trim() ? { key: f.key.trim() } : {}) },
        c.var.session!.user,
      );
      return redirectWith(c, '/admin/topics', 'ok', 'segments.topics.added', { name: tp.name });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'validation_failed') throw e;
      const message = describeError(e, i18n(v.lang));
      return html(c, <TopicsPage v={v} flash={{ kind: 'error', message }} topics={await c.var.services.segments.topics(v.current.slug)} />, 422);
    }
  });

  route(app, 'POST', '/topics/:id{[0-9]+}', 'admin', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const f = await formFields(c);
    try {
      await c.var.services.segments.updateTopic(v.current.slug, idParam(c), { name: f.name ?? '' }, c.var.session!.user);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'validation_failed') throw e;
      const message = describeError(e, i18n(v.lang));
      return html(c, <TopicsPage v={v} flash={{ kind: 'error', message }} topics={await c.var.services.segments.topics(v.current.slug)} />, 422);
    }
    return redirectWith(c, '/admin/topics', 'ok', 'segments.topics.renamed');
  });

  route(app, 'POST', '/topics/:id{[0-9]+}/delete', 'admin', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    await c.var.services.segments.removeTopic(v.current.slug, idParam(c), c.var.session!.user);
    return redirectWith(c, '/admin/topics', 'ok', 'segments.topics.deleted');
  });
}
