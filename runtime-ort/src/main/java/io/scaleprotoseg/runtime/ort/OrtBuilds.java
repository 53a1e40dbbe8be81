package io.scaleprotoseg.runtime.ort;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which builds of ONNX Runtime a class loader sees, found without loading any of their classes or
 * native libraries. Microsoft publishes the Java API twice with the same classes and native library
 * names: {@code com.microsoft.onnxruntime:onnxruntime} (CPU only) and
 * {@code com.microsoft.onnxruntime:onnxruntime_gpu} (CPU, CUDA and TensorRT providers). With both
 * on one class path, class-path order decides which classes and which native library load, and the
 * CUDA provider fails or works by accident; this class detects that case so the backend can refuse
 * it with a message naming both jars. Each jar carries Maven's metadata
 * ({@code META-INF/maven/<group>/<artifact>/pom.xml}), which tells the builds apart; a copy without
 * it (a repackaged jar) is still counted through its {@code OrtEnvironment} class.
 */
final class OrtBuilds {
    static final String CPU_ARTIFACT = "com.microsoft.onnxruntime:onnxruntime";
    static final String GPU_ARTIFACT = "com.microsoft.onnxruntime:onnxruntime_gpu";

    /** What the class path holds. */
    enum Build {
        /** Only the CPU build: no CUDA or TensorRT provider. */
        CPU,
        /** Only the GPU build. */
        GPU,
        /** One copy of the API without Maven metadata (a repackaged jar): its providers are not known. */
        UNKNOWN,
        /** No ONNX Runtime classes at all. */
        NONE,
        /** More than one copy: see {@link #conflict()}. */
        CONFLICT
    }

    private static final String API_CLASS = "ai/onnxruntime/OrtEnvironment.class";
    private static final String CPU_METADATA = "META-INF/maven/com.microsoft.onnxruntime/onnxruntime/pom.xml";
    private static final String GPU_METADATA = "META-INF/maven/com.microsoft.onnxruntime/onnxruntime_gpu/pom.xml";

    private final List<String> apiCopies;
    private final List<String> cpuJars;
    private final List<String> gpuJars;

    private OrtBuilds(List<String> apiCopies, List<String> cpuJars, List<String> gpuJars) {
        this.apiCopies = apiCopies;
        this.cpuJars = cpuJars;
        this.gpuJars = gpuJars;
    }

    /** The builds {@code loader} sees. */
    static OrtBuilds scan(ClassLoader loader) {
        return new OrtBuilds(locations(loader, API_CLASS), locations(loader, CPU_METADATA), locations(loader, GPU_METADATA));
    }

    Build build() {
        if (apiCopies.size() > 1 || cpuJars.size() + gpuJars.size() > 1) {
            return Build.CONFLICT;
        }
        if (apiCopies.isEmpty()) {
            return Build.NONE;
        }
        return !gpuJars.isEmpty() ? Build.GPU : !cpuJars.isEmpty() ? Build.CPU : Build.UNKNOWN;
    }

    /** The jar of the single build, for messages ({@code "?"} when there is none). */
    String location() {
        return apiCopies.isEmpty() ? "?" : apiCopies.get(0);
    }

    /**
     * Throws when the class path holds more than one copy of ONNX Runtime.
     *
     * @throws BackendUnavailableException with {@link ErrorCode#CONFLICTING_RUNTIMES}, naming the
     *     artifacts and the jars, and saying which one to keep
     */
    void requireSingle() throws BackendUnavailableException {
        String why = conflict();
        if (why != null) {
            throw new BackendUnavailableException(ErrorCode.CONFLICTING_RUNTIMES, why);
        }
    }

    /** Why the class path holds too many copies of ONNX Runtime, or null when it holds at most one. */
    String conflict() {
        if (build() != Build.CONFLICT) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        if (!cpuJars.isEmpty() && !gpuJars.isEmpty()) {
            sb.append("both builds of ONNX Runtime are on the class path: ").append(CPU_ARTIFACT).append(" (")
                    .append(String.join(", ", cpuJars)).append(") and ").append(GPU_ARTIFACT).append(" (")
                    .append(String.join(", ", gpuJars)).append(")");
        } else {
            sb.append("ONNX Runtime's classes are on the class path ").append(Math.max(apiCopies.size(),
                    cpuJars.size() + gpuJars.size())).append(" times: ").append(String.join(", ", apiCopies.isEmpty()
                    ? concat(cpuJars, gpuJars) : apiCopies));
        }
        sb.append("; the copies share class and native library names, so class-path order would pick one. Keep one: "
                + "io.scaleprotoseg:scaleprotoseg-runtime-ort brings the CPU build, io.scaleprotoseg:scaleprotoseg-runtime-ort-gpu "
                + "the GPU build (CUDA, TensorRT); depend on only one of them, and exclude " + CPU_ARTIFACT + " and "
                + GPU_ARTIFACT + " from any other dependency that brings one");
        return sb.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The jars (or class directories) that hold {@code resource}, each once, in class-path order. */
    private static List<String> locations(ClassLoader loader, String resource) {
        Set<String> found = new LinkedHashSet<>();
        try {
            for (URL url : Collections.list(loader.getResources(resource))) {
                found.add(container(url, resource));
            }
        } catch (IOException e) {
            // an unreadable class-path entry: the copies that could be listed still count
        }
        return List.copyOf(found);
    }

    /** {@code jar:file:/x/a.jar!/r} -> {@code /x/a.jar}; {@code file:/dir/r} -> {@code /dir/}. */
    static String container(URL url, String resource) {
        String s = url.toString();
        if (s.startsWith("jar:")) {
            int bang = s.indexOf("!/");
            s = s.substring(4, bang < 0 ? s.length() : bang);
        } else if (s.endsWith(resource)) {
            s = s.substring(0, s.length() - resource.length());
        }
        return s.startsWith("file:") ? s.substring(5) : s;
    }
}
