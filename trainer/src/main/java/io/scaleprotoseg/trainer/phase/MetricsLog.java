package io.scaleprotoseg.trainer.phase;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The run's JSON-lines metrics log ({@code metrics.jsonl}): one object per update or validation,
 * flushed as written so that a killed run keeps what it logged. A resumed run appends; lines
 * logged after the checkpoint it resumed from appear twice, with the same step numbers.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final BufferedWriter out;

    public MetricsLog(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Appends one record. */
    public synchronized void write(Map<String, Object> record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.newLine();
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
