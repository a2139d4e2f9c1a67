export async function benchMany() { return { md: [], targets: [] }; }
