/** The dashboard at /admin: loaded by the dashboard service, rendered here. */
import { DashboardPage } from '../../../ui/admin/dashboard.tsx';
import { DashboardService } from '../dashboard-service.ts';
import { html } from './respond.tsx';
import { type AdminApp, route } from './router.ts';

export function dashboardRoutes(app: AdminApp): void {
  route(app, 'GET', '/', 'viewer', async (c) => {
    const v = c.var.view;
    const d = v.current ? await DashboardService.of(c.var.services).load(v.current, v.now) : null;
    return html(c, <DashboardPage v={v} flash={c.var.flash} d={d} />);
  });
}
