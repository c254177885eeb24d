import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { heapGrowthCap } from "../common/heap-growth";
import { DEFAULT_METRICS_MAX_OPERATIONS } from "../config";
import type { Services } from "../services";

/** The gateway's Prometheus metrics, in a registry of its own (several gateways can share a process in tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "helpgate_graphql_requests_total",
    help: "GraphQL operations by name (the first METRICS_MAX_OPERATIONS names seen, then other) and outcome (ok, or the first error code).",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "helpgate_http_request_duration_seconds",
    help: "HTTP request latency by route.",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly licenseErrors = new Counter({
    name: "helpgate_license_errors_total",
    help: "Refused license changes by licenseError.",
    labelNames: ["licenseError"] as const,
    registers: [this.registry],
  });

  readonly throttled = new Counter({
    name: "helpgate_throttled_requests_total",
    help: "Requests, and operations of a batch, refused with THROTTLED because their caller had spent a budget (read or write).",
    labelNames: ["budget"] as const,
    registers: [this.registry],
  });
  readonly operations: OperationLabels;

  constructor(services: Services, maxOperations = DEFAULT_METRICS_MAX_OPERATIONS) {
    this.operations = new OperationLabels(maxOperations);
    collectDefaultMetrics({ register: this.registry, prefix: "helpgate_" });
    const processor = services.licensing.processor;
    new Gauge({
      name: "helpgate_licensing_queue_depth",
      help: "Users waiting for group-based license processing.",
      registers: [this.registry],
      async collect() {
        this.set(await processor.pending());
      },
    });
    const progress = services.licensing.progress;
    readAtScrape(this.registry, "helpgate_license_processing_subscribers", "Open groupLicenseProcessing subscriptions in this process.", () => progress.watchers);
    const replicas = services.db.replicas;
    if (replicas) {
      const STATES = ["connecting", "ok", "behind", "down"] as const;
      new Gauge({
        name: "helpgate_database_replica_state",
        help: "Each read replica's state (DATABASE_REPLICA_URLS): 1 for the state it is in. Only ok takes reads; behind and down send them to the primary.",
        labelNames: ["replica", "state"] as const,
        registers: [this.registry],
        collect() {
          for (const status of replicas.status()) for (const state of STATES) this.set({ replica: status.name, state }, status.state === state ? 1 : 0);
        },
      });
      new Gauge({
        name: "helpgate_database_replica_lag_seconds",
        help: "How far each read replica's replay was behind the primary at its last check.",
        labelNames: ["replica"] as const,
        registers: [this.registry],
        collect() {
          for (const status of replicas.status()) if (status.lagMs !== null) this.set({ replica: status.name }, status.lagMs / 1000);
        },
      });
      new Gauge({
        name: "helpgate_database_replica_queries",
        help: "Statements each read replica answered since start (a counter); `fallback` counts those it failed that the primary answered.",
        labelNames: ["replica", "answered"] as const,
        registers: [this.registry],
        collect() {
          for (const status of replicas.status()) {
            this.set({ replica: status.name, answered: "replica" }, status.queries);
            this.set({ replica: status.name, answered: "fallback" }, status.fallbacks);
          }
        },
      });
    }
    const cap = "How far V8 may let its old generation grow past what survived its last full collection, as a factor (3 while starting or busy, 1.2 while the traffic is light; 0: V8's own choice).";
    readAtScrape(this.registry, "helpgate_heap_growth_cap", cap, () => heapGrowthCap() ?? 0);
    const processed = "Users processed by group-based licensing since start (a counter; rate() gives the processing rate).";
    readAtScrape(this.registry, "helpgate_licensing_users_processed", processed, () => processor.processedTotal);
  }
}

/** A gauge without labels whose value is read when /metrics is scraped. */
function readAtScrape(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** Longer operation names are labelled `other`: a label value is kept for the life of the process. */
const MAX_NAME_LENGTH = 100;

/**
 * The `operation` label of an operation: its name if it is among the first `max` distinct names
 * this process has seen, else `other`; `anonymous` for an operation without a name. The name is
 * the client's choice, and each label value is a series kept for the life of the process, so
 * the label takes a bounded set of values however many names clients make up.
 */
export class OperationLabels {
  readonly #names = new Set<string>();

  constructor(readonly max: number) {}

  labelOf(operationName: string | null | undefined): string {
    if (!operationName) return "anonymous";
    if (this.#names.has(operationName)) return operationName;
    if (this.#names.size >= this.max || operationName.length > MAX_NAME_LENGTH) return "other";
    this.#names.add(operationName);
    return operationName;
  }
}
