/**
 * The services a method handler can reach. The daemon builds one of these per process
 * (no singletons); tests can build one around a temp database.
 */
import type { SystemService } from './system.js';

export interface Services {
  system: SystemService;
}
