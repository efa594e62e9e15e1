// The dashboard's only way to the server: POST /graphql with the session token.
import * as session from "./session.js";

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export class SignedOut extends ApiError {}

const UNREACHABLE = "The server cannot be reached. Check your connection and try again.";

// Every operation's text by name, fetched once (again after a failure).
let operations = null;

async function fetchOperations() {
  let response;
  try {
    response = await fetch("/dashboard/operations.json", { credentials: "omit", headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError(UNREACHABLE);
  }
  if (!response.ok) throw new ApiError(`The server answered ${response.status} for the dashboard's GraphQL operations.`);
  return response.json();
}

async function operationDocument(name) {
  operations ??= fetchOperations().catch((error) => {
    operations = null;
    throw error;
  });
  const document = (await operations)[name];
  if (!document) throw new ApiError(`The server has no GraphQL operation named ${name}.`);
  return document;
}

// `operation` is a name from documents.js.
export async function graphql(operation, variables = {}, apiToken = session.token()) {
  const document = await operationDocument(operation);
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (apiToken) headers.Authorization = `Bearer ${apiToken}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query: document, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(UNREACHABLE);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without a GraphQL response.`);
  }
  const errors = body.errors || [];
  if (errors.some((error) => error.extensions?.code === "UNAUTHENTICATED")) {
    throw new SignedOut("That API token was not accepted. Paste a valid token to sign in.");
  }
  if (errors.length) {
    const requestId = response.headers.get("X-Request-ID");
    const suffix = requestId ? ` (request ${requestId})` : "";
    throw new ApiError(errors.map((error) => error.message).join(" ") + suffix, errors[0].extensions?.code);
  }
  return body.data;
}

// A mutation result is a union of a success type and typed errors that all
// implement `Error { message }` and are named …Error.
export function isError(result) {
  return result != null && result.__typename.endsWith("Error");
}
