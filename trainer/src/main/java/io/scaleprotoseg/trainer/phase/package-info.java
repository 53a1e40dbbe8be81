/**
 * The training procedure (METHOD.md 3-4): presets and configuration, the phases of both stages with
 * their objectives, projection, pruning, the group layer and thresholding, validation, and the
 * run's metrics log.
 */
package io.scaleprotoseg.trainer.phase;
