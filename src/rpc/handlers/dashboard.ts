/** Handler of `dashboard.link`: a one-time login link, when the HTTP front door listens. */
import { AppError } from '../../core/errors.js';
import { DASHBOARD_LOGIN_PATH } from '../../protocol/dashboard.js';
import type { HandlerTable } from '../handler.js';

const DEFAULT_TTL_SECONDS = 60;

export const dashboardHandlers = {
  'dashboard.link': (p, { services }) => {
    const http = services.system.httpStatus();
    if (!http.listening || !http.url) {
      throw new AppError(
        'FEATURE_DISABLED',
        http.enabled
          ? 'the HTTP front door is enabled but not listening (see the daemon log)'
          : 'the dashboard is served by the HTTP front door, which is off: set "http": {"enabled": true} in the config file and restart the daemon (aistack daemon restart)',
        { feature: 'http' },
      );
    }
    const { token, expiresAt } = services.dashboard.createLink(
      (p.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000,
    );
    return {
      url: `${http.url}${DASHBOARD_LOGIN_PATH}?t=${token}`,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  },
} satisfies Partial<HandlerTable>;
