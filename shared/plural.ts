/** "1 write", "3 writes": a count with its noun in the number it takes. */
export const count = (k: number, one: string, many = `${one}s`): string => `${k} ${k === 1 ? one : many}`;
