package io.scaleprotoseg.runtime.ort;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Names the shared libraries that ONNX Runtime's CUDA provider needs and this host lacks. ONNX
 * Runtime's exception only says "Failed to load shared library"; this looks for each library in
 * the directories the Linux loader searches (LD_LIBRARY_PATH, /etc/ld.so.conf and its includes,
 * the standard directories) without loading anything, so the message can say what to install.
 */
final class CudaLibraryCheck {
    /** The sonames ORT 1.23's CUDA provider links against (CUDA 12, cuDNN 9) and the driver. */
    static final List<String> REQUIRED = List.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12",
            "libcublasLt.so.12", "libcufft.so.11", "libcudnn.so.9");

    /** What ONNX Runtime's TensorRT provider links: the CUDA set, TensorRT 10 (CUDA 12 build) and its ONNX parser. */
    static final List<String> TENSORRT_REQUIRED = List.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12",
            "libcudnn.so.9", "libnvinfer.so.10", "libnvonnxparser.so.10");

    private static final List<String> STANDARD_DIRS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib/wsl/lib", "/usr/local/cuda/lib64",
            "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/tensorrt/lib");

    private CudaLibraryCheck() {
    }

    /** The required libraries missing on this host; empty on other operating systems than Linux. */
    static List<String> missingOnThisHost() {
        return missingOnThisHost(REQUIRED);
    }

    /** The libraries of {@code required} missing on this host; empty on other operating systems than Linux. */
    static List<String> missingOnThisHost(List<String> required) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return List.of();
        }
        return missing(searchDirs(System.getenv("LD_LIBRARY_PATH"), Path.of("/etc/ld.so.conf")), required);
    }

    /** The names not present as files in any of {@code dirs}. */
    static List<String> missing(List<Path> dirs, List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            boolean found = false;
            for (Path d : dirs) {
                if (Files.exists(d.resolve(n))) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                out.add(n);
            }
        }
        return out;
    }

    /** LD_LIBRARY_PATH entries, then the directories of an ld.so.conf (following includes), then the standard ones. */
    static List<Path> searchDirs(String ldLibraryPath, Path ldSoConf) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (ldLibraryPath != null) {
            for (String p : ldLibraryPath.split(":")) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p));
                }
            }
        }
        readConf(ldSoConf, dirs, 0);
        for (String s : STANDARD_DIRS) {
            dirs.add(Path.of(s));
        }
        return new ArrayList<>(dirs);
    }

    private static void readConf(Path conf, Set<Path> dirs, int depth) {
        if (depth > 4 || !Files.isRegularFile(conf)) {
            return;
        }
        try {
            for (String raw : Files.readAllLines(conf)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("include ")) {
                    String pattern = line.substring("include ".length()).strip();
                    Path p = Path.of(pattern);
                    Path parent = p.isAbsolute() ? p.getParent() : conf.getParent().resolve(p).getParent();
                    if (parent == null || !Files.isDirectory(parent)) {
                        continue;
                    }
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p.getFileName().toString())) {
                        for (Path included : ds) {
                            readConf(included, dirs, depth + 1);
                        }
                    }
                } else {
                    dirs.add(Path.of(line));
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable loader configuration only makes the diagnosis less precise
        }
    }
}
