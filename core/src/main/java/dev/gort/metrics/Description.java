package dev.gort.metrics;

/**
 * What a metric is, as Go's {@code metrics.Description}.
 * @param name the metric's name, Go's form {@code /path:unit}
 * @param description what it measures
 * @param kind its value's kind
 * @param cumulative whether it only grows (a counter) rather than goes up and down (a gauge)
 */
public record Description(String name, String description, Kind kind, boolean cumulative) {}
