package dev.osupgrade.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Records every request a Storage client sends, retries included (it sits after the retry policy), as a line such
 * as {@code PUT ?comp=metadata If-Match -> 200}: method, the {@code comp} query parameter, the condition header,
 * and the status Storage answered (0 when no answer came).
 */
final class RequestLog implements HttpPipelinePolicy {
  private final List<String> lines = new ArrayList<>();

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    HttpRequest request = context.getHttpRequest();
    return next.process().doOnNext(r -> record(request, r.getStatusCode()))
        .doOnError(e -> record(request, 0));
  }

  @Override
  public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    HttpRequest request = context.getHttpRequest();
    try {
      HttpResponse r = next.processSync();
      record(request, r.getStatusCode());
      return r;
    } catch (RuntimeException e) {
      record(request, 0);
      throw e;
    }
  }

  @Override
  public HttpPipelinePosition getPipelinePosition() {
    return HttpPipelinePosition.PER_RETRY;
  }

  /** @return the requests recorded since the last call, and forgets them */
  synchronized List<String> take() {
    List<String> taken = List.copyOf(lines);
    lines.clear();
    return taken;
  }

  private synchronized void record(HttpRequest request, int status) {
    String query = request.getUrl().getQuery();
    String comp = query == null ? "" : java.util.Arrays.stream(query.split("&")).filter(p -> p.startsWith("comp="))
        .map(p -> " ?" + p).findFirst().orElse("");
    String condition = request.getHeaders().getValue(HttpHeaderName.IF_MATCH) != null ? " If-Match"
        : "*".equals(request.getHeaders().getValue(HttpHeaderName.IF_NONE_MATCH)) ? " If-None-Match:*" : "";
    lines.add(request.getHttpMethod() + comp + condition + " -> " + status);
  }
}
