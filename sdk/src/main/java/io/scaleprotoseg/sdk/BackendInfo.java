package io.scaleprotoseg.sdk;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which backend a {@link Segmenter} runs on and why the others were not used.
 *
 * @param backend the concrete backend in use
 * @param description the engine's own account (runtime version, device, threads)
 * @param skipped for {@link Backend#AUTO}: each backend tried before the chosen one, with the
 *     reason it was skipped (in the order tried); empty for an explicit backend
 */
public record BackendInfo(Backend backend, String description, Map<Backend, String> skipped) {
    public BackendInfo {
        skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(backend.cliName()).append(": ").append(description);
        skipped.forEach((b, why) -> sb.append("\n  skipped ").append(b.cliName()).append(": ").append(why));
        return sb.toString();
    }
}
