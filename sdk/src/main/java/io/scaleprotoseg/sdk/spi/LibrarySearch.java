package io.scaleprotoseg.sdk.spi;

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
 * Where the Linux loader looks for shared libraries, for backend providers that diagnose what a
 * host lacks without loading anything: LD_LIBRARY_PATH, then the directories of /etc/ld.so.conf
 * and its includes, then the standard directories and the usual CUDA and TensorRT install
 * locations. Runtimes report "failed to load a library" without saying which; this lets them
 * name the missing files. Stateless and thread-safe.
 */
public final class LibrarySearch {
    /** The loader's standard directories and the usual CUDA / TensorRT install locations. */
    public static final List<String> STANDARD_DIRS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib/wsl/lib", "/usr/local/cuda/lib64",
            "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda-13.1/lib64",
            "/usr/local/cuda-13.1/targets/x86_64-linux/lib", "/usr/local/tensorrt/lib", "/usr/local/TensorRT-10.15.1.29/lib");

    private LibrarySearch() {
    }

    /** The search directories for the given LD_LIBRARY_PATH value and ld.so.conf, in loader order. */
    public static List<Path> searchDirs(String ldLibraryPath, Path ldSoConf) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (ldLibraryPath != null) {
            for (String p : ldLibraryPath.split(":")) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p.strip()));
                }
            }
        }
        readConf(ldSoConf, dirs, 0);
        for (String s : STANDARD_DIRS) {
            dirs.add(Path.of(s));
        }
        return new ArrayList<>(dirs);
    }

    /** This host's search directories. */
    public static List<Path> searchDirsOfThisHost() {
        return searchDirs(System.getenv("LD_LIBRARY_PATH"), Path.of("/etc/ld.so.conf"));
    }

    /** The names that are not a file in any of {@code dirs}, in the given order. */
    public static List<String> missing(List<Path> dirs, List<String> names) {
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

    /** The names missing on this host; empty on other operating systems than Linux. */
    public static List<String> missingOnThisHost(List<String> names) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return List.of();
        }
        return missing(searchDirsOfThisHost(), names);
    }

    private static void readConf(Path conf, Set<Path> dirs, int depth) {
        if (conf == null || depth > 4 || !Files.isRegularFile(conf)) {
            return;
        }
        try {
            for (String raw : Files.readAllLines(conf)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("include ")) {
                    Path p = Path.of(line.substring("include ".length()).strip());
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
