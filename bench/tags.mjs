export async function benchTags() { return { md: [], targets: [] }; }
