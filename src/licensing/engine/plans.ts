import { isHeld, type AssignmentState, type Catalog, type LicenseRequest } from "./types";

/** The plans a license request turns on: the SKU's plans minus the disabled ones. */
export function requestPlans(catalog: Catalog, request: LicenseRequest): string[] {
  const disabled = new Set(request.disabledPlans);
  return (catalog.skus.get(request.skuId)?.servicePlanIds ?? []).filter((plan) => !disabled.has(plan));
}

/** Every plan enabled for the user by the held states: the union over sources. */
export function enabledPlans(catalog: Catalog, states: readonly AssignmentState[]): Set<string> {
  const plans = new Set<string>();
  for (const state of states) if (isHeld(state)) for (const plan of requestPlans(catalog, state)) plans.add(plan);
  return plans;
}

/** Enabled plans with the SKUs that enable them. */
export function planProviders(catalog: Catalog, states: readonly AssignmentState[]): Map<string, Set<string>> {
  const providers = new Map<string, Set<string>>();
  for (const state of states) {
    if (!isHeld(state)) continue;
    for (const plan of requestPlans(catalog, state)) providers.set(plan, (providers.get(plan) ?? new Set()).add(state.skuId));
  }
  return providers;
}

export function heldSkus(states: readonly AssignmentState[]): Set<string> {
  return new Set(states.filter(isHeld).map((state) => state.skuId));
}

/**
 * The user's assignedLicenses: one entry per held SKU, whatever its sources. Enabled plans are
 * the union over sources, so a plan is disabled only when every source disables it.
 */
export function assignedLicenses(states: readonly AssignmentState[]): LicenseRequest[] {
  const bySku = new Map<string, Set<string>>();
  for (const state of states.filter(isHeld)) {
    const disabled = new Set(state.disabledPlans);
    const previous = bySku.get(state.skuId);
    bySku.set(state.skuId, previous ? new Set([...previous].filter((plan) => disabled.has(plan))) : disabled);
  }
  return [...bySku]
    .map(([skuId, disabled]) => ({ skuId, disabledPlans: [...disabled].sort() }))
    .sort((a, b) => a.skuId.localeCompare(b.skuId));
}
