/**
 * From a trained checkpoint to a deployable model file: {@link io.scaleprotoseg.exporter.CheckpointConverter}
 * turns the trainer's parameters into an inference model (batch norm folded, groups thresholded,
 * inactive prototypes dropped, the model card filled in), and
 * {@link io.scaleprotoseg.exporter.ModelExporter} writes it and checks it against the trainer's
 * own forward pass through the SDK before it keeps the file.
 */
package io.scaleprotoseg.exporter;
