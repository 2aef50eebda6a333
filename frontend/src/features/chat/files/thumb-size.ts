/** Thumbnails fit in this box (CSS pixels), keeping the image's proportions. */
export const THUMB_BOX = 240;

/** The size a thumbnail is drawn at: the image scaled down (never up) to fit the box. */
export function thumbSize(width: number, height: number, box = THUMB_BOX): { width: number; height: number } {
  const scale = Math.min(1, box / width, box / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
