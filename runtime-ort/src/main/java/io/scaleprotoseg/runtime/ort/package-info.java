/**
 * The ONNX Runtime backend (ONNX Runtime 1.23.2), serving {@code ORT_CPU}, {@code ORT_CUDA} and
 * {@code ORT_TENSORRT}.
 *
 * <h2>Two flavours</h2>
 * {@code io.scaleprotoseg:scaleprotoseg-runtime-ort} depends on ONNX Runtime's CPU build
 * ({@code com.microsoft.onnxruntime:onnxruntime}), which runs {@code ORT_CPU} only;
 * {@code io.scaleprotoseg:scaleprotoseg-runtime-ort-gpu} holds the same classes with the GPU build
 * ({@code com.microsoft.onnxruntime:onnxruntime_gpu}, the same API plus the CUDA and TensorRT
 * providers) in its place. Asked for {@code ORT_CUDA} or {@code ORT_TENSORRT} with the CPU build,
 * the backend throws {@link io.scaleprotoseg.sdk.BackendUnavailableException} naming the GPU
 * artifact. With both builds on the class path (they share class and native library names, so
 * class-path order would pick one), every backend of this module throws it with
 * {@link io.scaleprotoseg.sdk.ErrorCode#CONFLICTING_RUNTIMES}, naming both artifacts and their
 * jars; the builds are told apart by the Maven metadata inside each jar, before any ONNX Runtime
 * class loads.
 *
 * <h2>Native libraries</h2>
 * The ONNX Runtime jar carries its native libraries (the GPU build: also its CUDA and TensorRT
 * provider libraries) and extracts them on first use
 * (ONNX Runtime's own loader; its system properties {@code onnxruntime.native.path} and
 * {@code onnxruntime.native.onnxruntime.path} point it at a directory of pre-extracted libraries).
 * The CPU provider needs nothing else. The CUDA provider needs, on the host, an NVIDIA driver,
 * the CUDA 12 runtime libraries ({@code libcudart.so.12}, {@code libcublas.so.12},
 * {@code libcublasLt.so.12}, {@code libcufft.so.11}) and cuDNN 9 ({@code libcudnn.so.9}) on the
 * library path; when any is missing, ONNX Runtime reports "Failed to load shared library" and
 * this backend throws {@link io.scaleprotoseg.sdk.BackendUnavailableException} quoting it.
 *
 * <h2>ONNX Runtime's TensorRT execution provider ({@code ORT_TENSORRT})</h2>
 * The GPU build also carries ONNX Runtime's TensorRT provider. It needs, on the host, TensorRT 10 built
 * for CUDA 12 ({@code libnvinfer.so.10}, {@code libnvonnxparser.so.10}; ONNX Runtime documents 10.9
 * or newer for this release line) next to the CUDA 12 and cuDNN 9 libraries above. Note that this
 * is a different TensorRT build than the CUDA 13 one the {@code TENSORRT} backend of
 * {@code scaleprotoseg-runtime-trt} loads; both are named {@code libnvinfer.so.10} and the dynamic
 * loader keeps the first one loaded, so use only one of the two TensorRT backends per process. Nodes TensorRT does not take run on the CUDA provider. When the
 * provider cannot load, {@code BackendUnavailableException} quotes ONNX Runtime's error and names
 * the missing libraries. {@code Backend.AUTO} never tries this backend: it builds TensorRT engines
 * while the session opens (minutes on the first start) and is chosen explicitly. Options (the same
 * keys as the TensorRT backend; its other {@code trt.*} keys do not apply and are ignored):
 * <ul>
 *   <li>{@code trt.precision}: {@code fp32} (default) or {@code fp16} ({@code trt_fp16_enable});</li>
 *   <li>{@code trt.min_shape}, {@code trt.opt_shape}, {@code trt.max_shape}: as for the TensorRT backend
 *       ({@code NxCxHxW}, missing ones derived), as {@code trt_profile_*_shapes} of input {@code pixels}; without them ONNX
 *       Runtime builds engines for the shapes it meets, rebuilding when a larger one arrives;</li>
 *   <li>{@code trt.workspace_mb} ({@code trt_max_workspace_size});</li>
 *   <li>{@code trt.cache_dir}: engine and timing cache directory ({@code trt_engine_cache_enable},
 *       {@code trt_engine_cache_path}, {@code trt_timing_cache_enable}, {@code trt_timing_cache_path});
 *       default {@code <optimizedModelCache>/ort-tensorrt}, none without either. ONNX Runtime keys
 *       its engine files by model, profile, GPU and TensorRT version itself. The optimised-graph
 *       cache below does not apply to this backend.</li>
 * </ul>
 * {@code ort.cuda.device} selects the GPU for both providers.
 *
 * <h2>Options</h2>
 * Passed with {@code Segmenter.Builder.option(key, value)}:
 * <ul>
 *   <li>{@code ort.cuda.device}: CUDA device id (default 0);</li>
 *   <li>{@code ort.inter_op_threads}: threads across graph nodes (default 1);</li>
 *   <li>{@code ort.log_level}: the sessions' log level, VERBOSE..FATAL (default FATAL: errors reach the caller as
 *       exceptions, not as lines on stderr);</li>
 *   <li>{@code ort.allow_spinning}: 1 (ONNX Runtime's default) lets idle intra-op threads spin for
 *       lower latency; 0 makes them sleep, which is better when several segmenters share few cores
 *       (measured on 2 cores: alternating two spinning sessions doubled latency).</li>
 *   <li>{@code ort.cpu_arena}: 1 (ONNX Runtime's default) pools CPU allocations in ONNX Runtime's
 *       arena, which grows in doubling steps and never gives memory back; 0 allocates each tensor from
 *       the system allocator and frees it after its last use, which lowers the peak and the
 *       memory held between calls (see {@code bench/README.md}, <i>Memory of one large image</i>);</li>
 *   <li>{@code ort.memory_pattern}: 1 plans, after the first run of a shape, one block for all of
 *       that shape's activations (ONNX Runtime's default, and ours on CUDA); 0 (our default on the
 *       CPU) turns the plan off. On the CPU the plan's block is allocated beside what the first run
 *       left in the arena, so every later run of a large image peaked higher than the first (410-440 MB
 *       for ResNet-101 at 2048x1024), and the plan bought no measurable speed (1.00x at 513x513 and
 *       at 2048x1024);</li>
 *   <li>{@code ort.trim_heap}: 1 (default) returns the C heap's free memory to the system once a
 *       session is built, through glibc's {@code malloc_trim} when JavaCPP
 *       ({@code org.bytedeco:javacpp} with its native library) is on the class path, as in the
 *       command line's distribution; building a session frees the parsed model's buffers in the
 *       middle of the heap, which glibc otherwise keeps (336 MB for a 189 MB ResNet-101 model).
 *       With {@code ort.cpu_arena=0} it also runs after every call, whose freed tensors glibc would
 *       keep likewise (the next call of a large image then peaked 205 MB higher). 0 skips it;</li>
 *   <li>{@code ort.config.KEY}: passes {@code KEY=VALUE} to ONNX Runtime's session configuration
 *       (its {@code onnxruntime_session_options_config_keys.h}), for example
 *       {@code ort.config.session.disable_prepacking=1}.</li>
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
