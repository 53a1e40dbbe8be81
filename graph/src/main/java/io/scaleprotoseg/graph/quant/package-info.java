/**
 * Static INT8 quantisation of model files in QDQ form: {@link io.scaleprotoseg.graph.quant.QdqQuantizer}
 * finds the backbone and ASPP convolutions and rewrites them with QuantizeLinear / DequantizeLinear
 * pairs (per-channel symmetric int8 weights, per-tensor activations), leaving the prototype head in
 * FP32; {@link io.scaleprotoseg.graph.quant.Calibrator} turns the activations seen on calibration
 * images into ranges (minmax, percentile, entropy). Running the model is left to the caller
 * ({@link io.scaleprotoseg.graph.quant.Calibrator.TensorSource}), so this package stays plain Java.
 */
package io.scaleprotoseg.graph.quant;
