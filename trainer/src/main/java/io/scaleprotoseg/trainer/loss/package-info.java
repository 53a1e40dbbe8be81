/**
 * The loss terms of METHOD.md 2 on DJL arrays: cross-entropy per feature cell, Jeffrey's diversity,
 * off-class L1 and group entropy, and the label downsampling they share. Each is tested against the
 * reference implementation's values and gradients.
 */
package io.scaleprotoseg.trainer.loss;
