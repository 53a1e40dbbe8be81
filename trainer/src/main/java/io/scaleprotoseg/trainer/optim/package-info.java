/** Optimisation (METHOD.md 3): Adam with per-group rates and classic L2 decay, and the poly schedule. */
package io.scaleprotoseg.trainer.optim;
