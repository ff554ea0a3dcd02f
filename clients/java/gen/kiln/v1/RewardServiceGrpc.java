package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * A reward service the USER runs and Kiln calls: a PPO, GRPO or RLOO job whose
 * RewardSource is `remote` sends its completions here and trains on the scores that come
 * back. Kiln's gateway does not serve it; implement it in any language gRPC supports (a
 * verifier running unit tests, a rules engine, a model you host).
 * How a job calls it (RemoteReward in jobs.proto sets the numbers):
 * - one ScoreRequest per prompt of a rollout batch, with up to max_batch_size of that
 *   prompt's completions (more are split over several requests); requests for different
 *   prompts may be in flight at once, so the service must be safe to call concurrently;
 * - each call has a deadline of timeout_seconds; a call that ends UNAVAILABLE or
 *   DEADLINE_EXCEEDED is retried up to max_retries more times, with backoff (0.2 s doubling,
 *   at most 5 s); the job then FAILS with a reason naming the target and the last status;
 * - any other status, a response with a different number of scores than completions, or a
 *   score that is not a finite number FAILS the job at once with the reason.
 * Scores are rewards: higher is better, any finite scale (the group methods are invariant to
 * a shift; PPO learns the scale with its critic).
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/rewards.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class RewardServiceGrpc {

  private RewardServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.RewardService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.ScoreRequest,
      kiln.v1.ScoreResponse> getScoreMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Score",
      requestType = kiln.v1.ScoreRequest.class,
      responseType = kiln.v1.ScoreResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ScoreRequest,
      kiln.v1.ScoreResponse> getScoreMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ScoreRequest, kiln.v1.ScoreResponse> getScoreMethod;
    if ((getScoreMethod = RewardServiceGrpc.getScoreMethod) == null) {
      synchronized (RewardServiceGrpc.class) {
        if ((getScoreMethod = RewardServiceGrpc.getScoreMethod) == null) {
          RewardServiceGrpc.getScoreMethod = getScoreMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ScoreRequest, kiln.v1.ScoreResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Score"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ScoreRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ScoreResponse.getDefaultInstance()))
              .setSchemaDescriptor(new RewardServiceMethodDescriptorSupplier("Score"))
              .build();
        }
      }
    }
    return getScoreMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static RewardServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<RewardServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<RewardServiceStub>() {
        @java.lang.Override
        public RewardServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new RewardServiceStub(channel, callOptions);
        }
      };
    return RewardServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static RewardServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<RewardServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<RewardServiceBlockingStub>() {
        @java.lang.Override
        public RewardServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new RewardServiceBlockingStub(channel, callOptions);
        }
      };
    return RewardServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static RewardServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<RewardServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<RewardServiceFutureStub>() {
        @java.lang.Override
        public RewardServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new RewardServiceFutureStub(channel, callOptions);
        }
      };
    return RewardServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * A reward service the USER runs and Kiln calls: a PPO, GRPO or RLOO job whose
   * RewardSource is `remote` sends its completions here and trains on the scores that come
   * back. Kiln's gateway does not serve it; implement it in any language gRPC supports (a
   * verifier running unit tests, a rules engine, a model you host).
   * How a job calls it (RemoteReward in jobs.proto sets the numbers):
   * - one ScoreRequest per prompt of a rollout batch, with up to max_batch_size of that
   *   prompt's completions (more are split over several requests); requests for different
   *   prompts may be in flight at once, so the service must be safe to call concurrently;
   * - each call has a deadline of timeout_seconds; a call that ends UNAVAILABLE or
   *   DEADLINE_EXCEEDED is retried up to max_retries more times, with backoff (0.2 s doubling,
   *   at most 5 s); the job then FAILS with a reason naming the target and the last status;
   * - any other status, a response with a different number of scores than completions, or a
   *   score that is not a finite number FAILS the job at once with the reason.
   * Scores are rewards: higher is better, any finite scale (the group methods are invariant to
   * a shift; PPO learns the scale with its critic).
   * </pre>
   */
  public static abstract class RewardServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Scores completions of one prompt.
     * </pre>
     */
    public void score(kiln.v1.ScoreRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ScoreResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getScoreMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getScoreMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ScoreRequest,
                kiln.v1.ScoreResponse>(
                  this, METHODID_SCORE)))
          .build();
    }
  }

  /**
   * <pre>
   * A reward service the USER runs and Kiln calls: a PPO, GRPO or RLOO job whose
   * RewardSource is `remote` sends its completions here and trains on the scores that come
   * back. Kiln's gateway does not serve it; implement it in any language gRPC supports (a
   * verifier running unit tests, a rules engine, a model you host).
   * How a job calls it (RemoteReward in jobs.proto sets the numbers):
   * - one ScoreRequest per prompt of a rollout batch, with up to max_batch_size of that
   *   prompt's completions (more are split over several requests); requests for different
   *   prompts may be in flight at once, so the service must be safe to call concurrently;
   * - each call has a deadline of timeout_seconds; a call that ends UNAVAILABLE or
   *   DEADLINE_EXCEEDED is retried up to max_retries more times, with backoff (0.2 s doubling,
   *   at most 5 s); the job then FAILS with a reason naming the target and the last status;
   * - any other status, a response with a different number of scores than completions, or a
   *   score that is not a finite number FAILS the job at once with the reason.
   * Scores are rewards: higher is better, any finite scale (the group methods are invariant to
   * a shift; PPO learns the scale with its critic).
   * </pre>
   */
  public static final class RewardServiceStub extends io.grpc.stub.AbstractAsyncStub<RewardServiceStub> {
    private RewardServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected RewardServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new RewardServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Scores completions of one prompt.
     * </pre>
     */
    public void score(kiln.v1.ScoreRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ScoreResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getScoreMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * A reward service the USER runs and Kiln calls: a PPO, GRPO or RLOO job whose
   * RewardSource is `remote` sends its completions here and trains on the scores that come
   * back. Kiln's gateway does not serve it; implement it in any language gRPC supports (a
   * verifier running unit tests, a rules engine, a model you host).
   * How a job calls it (RemoteReward in jobs.proto sets the numbers):
   * - one ScoreRequest per prompt of a rollout batch, with up to max_batch_size of that
   *   prompt's completions (more are split over several requests); requests for different
   *   prompts may be in flight at once, so the service must be safe to call concurrently;
   * - each call has a deadline of timeout_seconds; a call that ends UNAVAILABLE or
   *   DEADLINE_EXCEEDED is retried up to max_retries more times, with backoff (0.2 s doubling,
   *   at most 5 s); the job then FAILS with a reason naming the target and the last status;
   * - any other status, a response with a different number of scores than completions, or a
   *   score that is not a finite number FAILS the job at once with the reason.
   * Scores are rewards: higher is better, any finite scale (the group methods are invariant to
   * a shift; PPO learns the scale with its critic).
   * </pre>
   */
  public static final class RewardServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<RewardServiceBlockingStub> {
    private RewardServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected RewardServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new RewardServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Scores completions of one prompt.
     * </pre>
     */
    public kiln.v1.ScoreResponse score(kiln.v1.ScoreRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getScoreMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * A reward service the USER runs and Kiln calls: a PPO, GRPO or RLOO job whose
   * RewardSource is `remote` sends its completions here and trains on the scores that come
   * back. Kiln's gateway does not serve it; implement it in any language gRPC supports (a
   * verifier running unit tests, a rules engine, a model you host).
   * How a job calls it (RemoteReward in jobs.proto sets the numbers):
   * - one ScoreRequest per prompt of a rollout batch, with up to max_batch_size of that
   *   prompt's completions (more are split over several requests); requests for different
   *   prompts may be in flight at once, so the service must be safe to call concurrently;
   * - each call has a deadline of timeout_seconds; a call that ends UNAVAILABLE or
   *   DEADLINE_EXCEEDED is retried up to max_retries more times, with backoff (0.2 s doubling,
   *   at most 5 s); the job then FAILS with a reason naming the target and the last status;
   * - any other status, a response with a different number of scores than completions, or a
   *   score that is not a finite number FAILS the job at once with the reason.
   * Scores are rewards: higher is better, any finite scale (the group methods are invariant to
   * a shift; PPO learns the scale with its critic).
   * </pre>
   */
  public static final class RewardServiceFutureStub extends io.grpc.stub.AbstractFutureStub<RewardServiceFutureStub> {
    private RewardServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected RewardServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new RewardServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Scores completions of one prompt.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ScoreResponse> score(
        kiln.v1.ScoreRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getScoreMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_SCORE = 0;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final RewardServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(RewardServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SCORE:
          serviceImpl.score((kiln.v1.ScoreRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ScoreResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class RewardServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    RewardServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.RewardsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("RewardService");
    }
  }

  private static final class RewardServiceFileDescriptorSupplier
      extends RewardServiceBaseDescriptorSupplier {
    RewardServiceFileDescriptorSupplier() {}
  }

  private static final class RewardServiceMethodDescriptorSupplier
      extends RewardServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    RewardServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (RewardServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new RewardServiceFileDescriptorSupplier())
              .addMethod(getScoreMethod())
              .build();
        }
      }
    }
    return result;
  }
}
