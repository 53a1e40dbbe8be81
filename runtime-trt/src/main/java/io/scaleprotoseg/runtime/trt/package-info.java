/**
 * The TensorRT backend ({@code org.bytedeco:tensorrt:10.15-1.5.13}, {@code org.bytedeco:cuda:13.1-9.19-1.5.13}),
 * serving {@link io.scaleprotoseg.sdk.Backend#TENSORRT}.
 *
 * <h2>Native libraries</h2>
 * The {@code linux-x86_64} classifier jars this module depends on hold only JavaCPP's JNI bridges.
 * What they load must come from the host or from the optional redist jars:
 * <ul>
 *   <li>the NVIDIA driver, 580 or newer ({@code libcuda.so.1}; always from the host);</li>
 *   <li>CUDA 13 ({@code libcudart.so.13}, {@code libcublas.so.13}, {@code libcublasLt.so.13},
 *       {@code libnvrtc.so.13}) and cuDNN 9 for CUDA 13 ({@code libcudnn*.so.9}): the TensorRT preset
 *       inherits the cuBLAS, cuDNN and NVRTC presets, whose bridges link these. From a CUDA 13.1
 *       installation, or {@code org.bytedeco:cuda:13.1-9.19-1.5.13:linux-x86_64-redist} (Maven profile
 *       {@code cuda-redist} of this module);</li>
 *   <li>TensorRT 10.15 for CUDA 13 ({@code libnvinfer.so.10}, {@code libnvinfer_plugin.so.10},
 *       {@code libnvonnxparser.so.10}): from a TensorRT installation, or
 *       {@code org.bytedeco:tensorrt:10.15-1.5.13:linux-x86_64-redist} (534 MB; profile
 *       {@code tensorrt-redist});</li>
 *   <li>a GPU of compute capability 7.5 (Turing) or newer.</li>
 * </ul>
 * Nothing is loaded while the provider is merely listed. The first open loads the natives inside
 * try/catch (about 0.1 s when they are missing) and, when something is absent, throws
 * {@link io.scaleprotoseg.sdk.BackendUnavailableException} naming every missing piece and how to
 * get it ({@link io.scaleprotoseg.runtime.trt.TrtDiagnosis}); with {@code Backend.AUTO} the SDK then
 * moves on to ONNX Runtime and reports that reason in {@code BackendInfo.skipped()}.
 *
 * <h2>Options</h2>
 * Passed with {@code Segmenter.Builder.option(key, value)}; an unknown {@code trt.*} key or a bad
 * value is an {@link java.lang.IllegalArgumentException} naming the option
 * ({@link io.scaleprotoseg.runtime.trt.TrtOptions}):
 * <ul>
 *   <li>{@code trt.precision}: {@code fp32} (default) or {@code fp16};</li>
 *   <li>{@code trt.min_shape}, {@code trt.opt_shape}, {@code trt.max_shape}: the optimisation profile
 *       of input {@code pixels} as {@code NxCxHxW} with C = 3 (defaults {@code 1x3x32x32},
 *       {@code 1x3x513x513}, {@code 1x3x2048x2048}); missing ones are derived from the given ones
 *       ({@link io.scaleprotoseg.runtime.trt.ShapeProfile#derive}). The minimum batch is 1; larger
 *       batches than the maximum are split; images outside [min, max] fail with a message naming
 *       {@code trt.max_shape}. Every execution context reserves device memory for the maximum;</li>
 *   <li>{@code trt.workspace_mb}: the builder's workspace pool limit in MB (default: TensorRT's,
 *       the device memory);</li>
 *   <li>{@code trt.builder_optimization_level}: 0..5 (TensorRT's default 3; lower builds faster);</li>
 *   <li>{@code trt.cache_dir}: the engine cache directory (default: the builder's
 *       {@code optimizedModelCache}; without either, every open builds the engine anew);</li>
 *   <li>{@code trt.timing_cache}: the timing-cache file (default {@code timing-<gpu>.cache} in the
 *       cache directory; {@code none} disables it);</li>
 *   <li>{@code trt.device}: CUDA device index (default 0);</li>
 *   <li>{@code trt.contexts}: most execution contexts, i.e. runs in flight at once (default 2);</li>
 *   <li>{@code trt.outputs}: comma-separated outputs to build into the engine, e.g.
 *       {@code mask,logits} for an {@code Evidence.NONE} deployment (TensorRT then drops the layers
 *       only the others need); default: every output the model has.</li>
 * </ul>
 *
 * <h2>Engine cache</h2>
 * An engine is valid only for one GPU model, TensorRT version, precision and profile. Entries in
 * the cache directory are named and keyed by the model's SHA-256, GPU name and compute capability,
 * TensorRT version, precision, profile, outputs and build settings
 * ({@link io.scaleprotoseg.runtime.trt.EngineCacheKey}); each carries a header with that key and the
 * engine's length and SHA-256 ({@link io.scaleprotoseg.runtime.trt.EngineCacheFile}). A stale,
 * truncated or corrupt entry, or one TensorRT refuses to deserialise, is rebuilt, never loaded
 * blindly. Entries are written to a temporary file and renamed atomically, under a lock file, so
 * concurrent processes neither corrupt an entry nor build the same one twice
 * ({@link io.scaleprotoseg.runtime.trt.EngineCache}). {@code scaleprotoseg trt-build} fills the
 * cache ahead of deployment ({@link io.scaleprotoseg.runtime.trt.TensorRtBuild}).
 *
 * <h2>Memory</h2>
 * Device and pinned host buffers, CUDA streams and each context's activation memory (contexts are
 * created with the user-managed allocation strategy) are freed when the segmenter closes. The
 * TensorRT objects themselves (builder, runtime, engine, context) cannot be freed from Java with
 * JavaCPP 1.5.13 (bytedeco/javacpp-presets#1699); engines are therefore deserialised once per
 * process and key and shared, so reopening a model does not grow GPU memory, while every
 * distinct model opened holds its weights on the GPU until the process ends.
 */
package io.scaleprotoseg.runtime.trt;
