/** Svelte compiler options for the dashboard: runes everywhere. */
export default { compilerOptions: { runes: true } };
