/** The gesture evidence of a trusted event: shared with the cards' call control (src/ui/gesture.ts). */
export { gestureOf } from '../../ui/gesture';
