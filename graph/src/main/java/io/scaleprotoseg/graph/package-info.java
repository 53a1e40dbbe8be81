/**
 * The inference graph in plain Java: layers with their weights
 * ({@link io.scaleprotoseg.graph.InferenceModel}) and the writer of the ONNX file
 * (opset 13) that the SDK reads, with the model card as metadata. No DJL: the graph is described
 * and written from float arrays.
 */
package io.scaleprotoseg.graph;
