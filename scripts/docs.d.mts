// Types of scripts/docs.mjs for the tests that import it (test/cli/docs.test.ts).
export function pageName(id: string): string
export function helpToMarkdown(text: string): string
export function renderPage(id: string, command: Record<string, unknown>): string
export function renderIndex(root: string, manifest: {commands: Record<string, Record<string, unknown>>}): string
export function renderAll(root: string): Map<string, string>
