/**
 * The admin's browser script, one file for every page (cached a year under its hash). Each part
 * starts only where its elements are on the page; every page works without it.
 */
import { startBulkImport } from './admin/bulk-import.ts';
import { startAutosave } from './admin/autosave.ts';
import { startCopyButtons } from './admin/copy.ts';
import { startCountdowns } from './admin/countdown.ts';
import { startForms } from './admin/forms.ts';
import { startImageFields } from './admin/images.ts';
import { startImport } from './admin/import.ts';
import { startParagraphTools } from './admin/paragraphs.ts';
import { startImportMapping } from './admin/import-mapping.ts';
import { startPreview } from './admin/preview.ts';
import { startProgress } from './admin/progress.ts';
import { startSegmentBuilder } from './admin/segments.ts';
import { rememberTimeZone } from './admin/timezone.ts';

rememberTimeZone();
startForms();
startImageFields();
const ready = () => {
  startPreview();
  startAutosave();
  startParagraphTools();
  startProgress();
  startCountdowns();
  startImport();
  startBulkImport();
  startImportMapping();
  startCopyButtons();
  startSegmentBuilder();
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
else ready();
