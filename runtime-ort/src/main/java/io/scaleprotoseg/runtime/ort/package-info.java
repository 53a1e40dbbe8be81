/**
 * The ONNX Runtime backend ({@code onnxruntime_gpu} 1.23.2), serving {@code ORT_CPU} and
 * {@code ORT_CUDA}.
 *
 * <h2>Native libraries</h2>
 * The ONNX Runtime jar carries its CPU and CUDA provider libraries and extracts them on first use
 * (ONNX Runtime's own loader; its system properties {@code onnxruntime.native.path} and
 * {@code onnxruntime.native.onnxruntime.path} point it at a directory of pre-extracted libraries).
 * The CPU provider needs nothing else. The CUDA provider needs, on the host, an NVIDIA driver,
 * the CUDA 12 runtime libraries ({@code libcudart.so.12}, {@code libcublas.so.12},
 * {@code libcublasLt.so.12}, {@code libcufft.so.11}) and cuDNN 9 ({@code libcudnn.so.9}) on the
 * library path; when any is missing, ONNX Runtime reports "Failed to load shared library" and
 * this backend throws {@link io.scaleprotoseg.sdk.BackendUnavailableException} quoting it.
 *
 * <h2>Options</h2>
 * Passed with {@code Segmenter.Builder.option(key, value)}:
 * <ul>
 *   <li>{@code ort.cuda.device}: CUDA device id (default 0);</li>
 *   <li>{@code ort.inter_op_threads}: threads across graph nodes (default 1);</li>
 *   <li>{@code ort.log_level}: the sessions' log level, VERBOSE..FATAL (default WARNING);</li>
 *   <li>{@code ort.allow_spinning}: 1 (ONNX Runtime's default) lets idle intra-op threads spin for
 *       lower latency; 0 makes them sleep, which is better when several segmenters share few cores
 *       (measured on 2 cores: alternating two spinning sessions doubled latency).</li>
 * </ul>
 *
 * <h2>Optimised-model cache</h2>
 * With {@code Segmenter.Builder.optimizedModelCache(dir)}, the graph ONNX Runtime optimised (level
 * ALL) is saved in {@code dir} under a name derived from the model's SHA-256, the ONNX Runtime
 * version and the execution provider, and loaded from there next time (skipping the optimisation
 * passes). The file is written to a temporary name and renamed, so concurrent processes never read
 * a half-written cache; a cache file that fails to load is deleted and rebuilt. Level-ALL graphs
 * can hold layouts specific to the CPU that made them, so do not share the directory between
 * machines.
 */
package io.scaleprotoseg.runtime.ort;
