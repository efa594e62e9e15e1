// How registry facts read to a person.
import { h } from "../dom.js";

export const TYPE_LABELS = { NODION: "Nodion", DOCKER_HUB: "Docker Hub", GHCR: "GitHub", CUSTOM: "Custom" };

const STATUS_LABELS = {
  OK: "Verified",
  NOT_VERIFIED: "Not verified",
  UNAUTHORIZED: "Unauthorized",
  NOT_A_REGISTRY: "Not a registry",
  UNREACHABLE: "Unreachable",
  TLS_ERROR: "TLS error",
  TIMEOUT: "Timed out",
  BLOCKED: "Blocked",
  FOUND: "Found",
  NOT_FOUND: "Not found",
};

export function statusPill(status) {
  const tone = status === "OK" || status === "FOUND" ? "good" : status === "NOT_VERIFIED" ? "neutral" : "bad";
  return h("span", { class: `pill ${tone}`, dataset: { status } }, STATUS_LABELS[status] || status);
}

export function typeBadge(type) {
  return h("span", { class: `type-badge type-${type.toLowerCase().replace("_", "-")}` }, TYPE_LABELS[type] || type);
}

// A registry as one phrase: its name, and its host unless the name says it already.
export function registryLabel(registry) {
  return registry.name.includes(registry.hostname) ? registry.name : `${registry.name} (${registry.hostname})`;
}

// Which field of the Add/Update form a failed verification concerns; null when
// no field the user can change is at fault (a fixed-hostname provider that
// cannot be reached): the form then says so in a banner.
export function verificationField(status, type, fixedHostname = false) {
  if (status === "UNAUTHORIZED") return "token";
  if (status === "TLS_ERROR" && type === "CUSTOM") return "caCertificate";
  return fixedHostname ? null : "hostname";
}

// What to say when a fixed-hostname provider (Docker Hub, GHCR) cannot be reached.
export function reachabilityMessage(provider, status) {
  const how = status === "TIMEOUT" ? "did not get an answer from" : "could not reach";
  return `Nodion ${how} ${provider.displayName} (${provider.defaultHostname}) from its servers, so nothing was saved. This is about the network, not about what you entered: try again later, or untick "Check the registry and credentials before saving".`;
}
