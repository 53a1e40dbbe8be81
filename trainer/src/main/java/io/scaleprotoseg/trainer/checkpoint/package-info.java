/**
 * Training checkpoints: atomically written zip files of state, parameters, optimiser moments and
 * prototype patches, and {@link io.scaleprotoseg.trainer.checkpoint.TrainedModel}, a finished run
 * read back for evaluation and export.
 */
package io.scaleprotoseg.trainer.checkpoint;
