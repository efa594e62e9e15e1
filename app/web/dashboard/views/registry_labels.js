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

// Which field of the Add/Update form a failed verification concerns.
export function verificationField(status, type) {
  if (status === "UNAUTHORIZED") return "token";
  if (status === "TLS_ERROR" && type === "CUSTOM") return "caCertificate";
  return "hostname";
}
