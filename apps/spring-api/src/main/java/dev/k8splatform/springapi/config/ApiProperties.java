package dev.k8splatform.springapi.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code app.*}. The API key is secret: it arrives as an environment variable
 * ({@code APP_APIKEY}) or as a file {@code app.api-key} in a config tree, and is never logged
 * or returned.
 *
 * @param apiKey key that write operations must present in the {@code X-API-Key} header; writes
 *     are refused while it is unset
 * @param environment name of the environment, reported (its origin only) by the
 *     configsources actuator endpoint
 * @param maxRequestBytes largest request body accepted
 */
@ConfigurationProperties(prefix = "app")
public record ApiProperties(String apiKey, String environment, Integer maxRequestBytes) {

  public ApiProperties {
    environment = environment == null ? "local" : environment;
    maxRequestBytes = maxRequestBytes == null ? 131_072 : maxRequestBytes;
  }

  /** Whether a non-blank API key is configured. */
  public boolean hasApiKey() {
    return apiKey != null && !apiKey.isBlank();
  }

  @Override
  public String toString() {
    // Records print every component; this one must never print the key.
    return "ApiProperties[apiKey=" + (hasApiKey() ? "<set>" : "<unset>")
        + ", environment=" + environment + ", maxRequestBytes=" + maxRequestBytes + "]";
  }
}
