/**
 * The Clever Cloud deploy config of a service (`packages/<name>/clever.env`): one NAME=value a line, the value
 * unquoted to the end of the line, `#` comments. The deploy job applies each line with `clever env set`.
 */
export interface CleverVariable {
  name: string;
  value: string;
  line: number;
}

export function parseCleverEnv(text: string): CleverVariable[] {
  const variables: CleverVariable[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    if (equals <= 0) throw new Error(`line ${index + 1}: expected NAME=value, got "${line}"`);
    variables.push({ name: line.slice(0, equals), value: line.slice(equals + 1), line: index + 1 });
  });
  return variables;
}

/**
 * Platform variables Clever Cloud documents for the runtimes Shipyard generates, with where each is documented
 * (CleverCloud/documentation, see ../shared/reference/clever-cloud.md). Any other CC_* name is a typo or an
 * undocumented variable (CC_APP_FOLDER is the classic: the documented one is APP_FOLDER) and does nothing.
 */
export const DOCUMENTED_VARIABLES: Record<string, string> = {
  CC_NODE_BUILD_TOOL: "applications/nodejs.md",
  CC_CUSTOM_BUILD_TOOL: "applications/nodejs.md",
  CC_NODE_DEV_DEPENDENCIES: "applications/nodejs.md",
  CC_NODE_VERSION: "applications/nodejs.md",
  CC_RUN_COMMAND: "applications/nodejs.md",
  CC_PRE_BUILD_HOOK: "develop/build-hooks.md",
  CC_POST_BUILD_HOOK: "develop/build-hooks.md",
  CC_PRE_RUN_HOOK: "develop/build-hooks.md",
  CC_RUN_SUCCEEDED_HOOK: "develop/build-hooks.md",
  CC_RUN_FAILED_HOOK: "develop/build-hooks.md",
  CC_HEALTH_CHECK_PATH: "reference/reference-environment-variables.md",
  CC_DOCKERFILE: "applications/docker.md",
  CC_DOCKER_EXPOSED_HTTP_PORT: "applications/docker.md",
  CC_DOCKER_BUILDX: "applications/docker.md",
  APP_FOLDER: "reference/reference-environment-variables.md",
};

/** Numbered health checks: CC_HEALTH_CHECK_PATH_0, _1, … */
const NUMBERED = /^CC_HEALTH_CHECK_PATH_\d+$/;

/** Names that look like platform settings (CC_*, APP_FOLDER) but are not documented. User variables pass. */
export function undocumentedVariables(variables: CleverVariable[]): CleverVariable[] {
  return variables.filter(
    ({ name }) => (name.startsWith("CC_") || name === "CC_APP_FOLDER") && !(name in DOCUMENTED_VARIABLES) && !NUMBERED.test(name),
  );
}

/** Hooks that run before dependencies are installed cannot build: the compiler is not there yet. */
export function buildsBeforeInstall(variables: CleverVariable[]): boolean {
  const hook = variables.find(({ name }) => name === "CC_PRE_BUILD_HOOK");
  return hook !== undefined && /\b(build|tsc|turbo)\b/.test(hook.value);
}

/** The Node.js major a `engines.node` value pins: "24.x", "24", "^24.1.0", "~24" -> 24; open ranges -> undefined. */
export function pinnedMajor(range: string | undefined): number | undefined {
  const match = range?.trim().match(/^[\^~]?(\d+)(\.(\d+|x)){0,2}$/);
  return match ? Number(match[1]) : undefined;
}
