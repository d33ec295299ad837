// What the rest of the control plane asks of the scheduler: make the world match Redis now.
// Hosts, HTTP handlers, releases and app lifecycle depend on this, not on the Reconciler.
import type { App } from '../common/types.js';

export interface Converger {
  /** Converges one app (places, starts, stops its instances and publishes its route). */
  convergeApp(appId: string): Promise<void>;
  /** Converges every app (after hosts come, go or change). */
  convergeAll(): Promise<void>;
  /** Publishes an app's route from its domains and up instances (after a domain change). */
  publishRoute(app: App): Promise<void>;
  /** Runs `work` while no pass over the app runs (deleting it: no pass may start an instance
   *  or publish a route for an app being deleted). */
  exclusive<T>(appId: string, work: () => Promise<T>): Promise<T>;
}
