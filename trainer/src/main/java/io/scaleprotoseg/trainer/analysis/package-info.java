/**
 * Interpretability measurements of a trained model (METHOD.md 5): sparsity, group overlap,
 * connected components of prototype activations per scale, part consistency and stability, and
 * nearest training patches.
 */
package io.scaleprotoseg.trainer.analysis;
