/** Random streams keyed by a run's seed, for reproducible and independent draws. */
package io.scaleprotoseg.trainer.random;
