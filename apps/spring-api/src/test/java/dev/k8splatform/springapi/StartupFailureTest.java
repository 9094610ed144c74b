package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.k8splatform.springapi.config.ApiProperties;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;

/** A wrong or unreachable database stops start-up: the app never becomes ready on bad data. */
class StartupFailureTest {

  @Test
  void refusesToStartWhenTheDatabaseIsUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    SpringApplication app = new SpringApplication(SpringApiApplication.class);
    assertThatThrownBy(() -> app.run(
            "--server.port=0", "--management.server.port=0", "--spring.jmx.enabled=false",
            "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + closedPort + "/articles",
            "--spring.datasource.username=spring_api", "--spring.datasource.password=never-logged"))
        .hasStackTraceContaining("Connection to 127.0.0.1:" + closedPort + " refused");
  }

  @Test
  void neverPrintsTheApiKey() {
    assertThat(new ApiProperties("s3cret", null, null).toString())
        .isEqualTo("ApiProperties[apiKey=<set>, environment=local, maxRequestBytes=131072]");
  }
}
