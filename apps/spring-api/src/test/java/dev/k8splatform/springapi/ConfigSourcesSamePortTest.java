package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.k8splatform.springapi.config.ConfigSourcesEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With the management port set to the API's own port, the actuator shares the port the Ingress
 * routes to; the configsources report must then not exist at all, rather than turn public.
 */
class ConfigSourcesSamePortTest {

  @Test
  void isNotServedWhenTheActuatorSharesTheApiPort() throws Exception {
    int port = JarProcess.freePort();
    try (ConfigurableApplicationContext context = new SpringApplication(SpringApiApplication.class).run(
        "--server.port=" + port, "--management.server.port=" + port, "--server.address=127.0.0.1",
        "--spring.jmx.enabled=false")) {
      Http shared = new Http(port);
      // The actuator is on this port (health answers), the report is not.
      assertThat(shared.get("/actuator/health/liveness").status()).isEqualTo(200);
      assertThat(shared.get("/actuator/configsources").status()).isEqualTo(404);
      assertThat(context.getBeansOfType(ConfigSourcesEndpoint.class)).isEmpty();
    }
  }
}
