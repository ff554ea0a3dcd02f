package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Collect human feedback on samples (ratings, thumbs, preferences, corrections) and turn it
 * into datasets that REWARD_MODEL, DPO and PPO jobs train on. Feedback is appended to the
 * tenant's Redis stream and is never edited in place.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/feedback.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class FeedbackServiceGrpc {

  private FeedbackServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.FeedbackService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.SubmitFeedbackRequest,
      kiln.v1.Feedback> getSubmitFeedbackMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubmitFeedback",
      requestType = kiln.v1.SubmitFeedbackRequest.class,
      responseType = kiln.v1.Feedback.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.SubmitFeedbackRequest,
      kiln.v1.Feedback> getSubmitFeedbackMethod() {
    io.grpc.MethodDescriptor<kiln.v1.SubmitFeedbackRequest, kiln.v1.Feedback> getSubmitFeedbackMethod;
    if ((getSubmitFeedbackMethod = FeedbackServiceGrpc.getSubmitFeedbackMethod) == null) {
      synchronized (FeedbackServiceGrpc.class) {
        if ((getSubmitFeedbackMethod = FeedbackServiceGrpc.getSubmitFeedbackMethod) == null) {
          FeedbackServiceGrpc.getSubmitFeedbackMethod = getSubmitFeedbackMethod =
              io.grpc.MethodDescriptor.<kiln.v1.SubmitFeedbackRequest, kiln.v1.Feedback>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubmitFeedback"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.SubmitFeedbackRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Feedback.getDefaultInstance()))
              .setSchemaDescriptor(new FeedbackServiceMethodDescriptorSupplier("SubmitFeedback"))
              .build();
        }
      }
    }
    return getSubmitFeedbackMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.SubmitFeedbackRequest,
      kiln.v1.StreamFeedbackResponse> getStreamFeedbackMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "StreamFeedback",
      requestType = kiln.v1.SubmitFeedbackRequest.class,
      responseType = kiln.v1.StreamFeedbackResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
  public static io.grpc.MethodDescriptor<kiln.v1.SubmitFeedbackRequest,
      kiln.v1.StreamFeedbackResponse> getStreamFeedbackMethod() {
    io.grpc.MethodDescriptor<kiln.v1.SubmitFeedbackRequest, kiln.v1.StreamFeedbackResponse> getStreamFeedbackMethod;
    if ((getStreamFeedbackMethod = FeedbackServiceGrpc.getStreamFeedbackMethod) == null) {
      synchronized (FeedbackServiceGrpc.class) {
        if ((getStreamFeedbackMethod = FeedbackServiceGrpc.getStreamFeedbackMethod) == null) {
          FeedbackServiceGrpc.getStreamFeedbackMethod = getStreamFeedbackMethod =
              io.grpc.MethodDescriptor.<kiln.v1.SubmitFeedbackRequest, kiln.v1.StreamFeedbackResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "StreamFeedback"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.SubmitFeedbackRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.StreamFeedbackResponse.getDefaultInstance()))
              .setSchemaDescriptor(new FeedbackServiceMethodDescriptorSupplier("StreamFeedback"))
              .build();
        }
      }
    }
    return getStreamFeedbackMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListFeedbackRequest,
      kiln.v1.ListFeedbackResponse> getListFeedbackMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListFeedback",
      requestType = kiln.v1.ListFeedbackRequest.class,
      responseType = kiln.v1.ListFeedbackResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListFeedbackRequest,
      kiln.v1.ListFeedbackResponse> getListFeedbackMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListFeedbackRequest, kiln.v1.ListFeedbackResponse> getListFeedbackMethod;
    if ((getListFeedbackMethod = FeedbackServiceGrpc.getListFeedbackMethod) == null) {
      synchronized (FeedbackServiceGrpc.class) {
        if ((getListFeedbackMethod = FeedbackServiceGrpc.getListFeedbackMethod) == null) {
          FeedbackServiceGrpc.getListFeedbackMethod = getListFeedbackMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListFeedbackRequest, kiln.v1.ListFeedbackResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListFeedback"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListFeedbackRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListFeedbackResponse.getDefaultInstance()))
              .setSchemaDescriptor(new FeedbackServiceMethodDescriptorSupplier("ListFeedback"))
              .build();
        }
      }
    }
    return getListFeedbackMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ExportFeedbackRequest,
      kiln.v1.ExportFeedbackResponse> getExportFeedbackMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ExportFeedback",
      requestType = kiln.v1.ExportFeedbackRequest.class,
      responseType = kiln.v1.ExportFeedbackResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ExportFeedbackRequest,
      kiln.v1.ExportFeedbackResponse> getExportFeedbackMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ExportFeedbackRequest, kiln.v1.ExportFeedbackResponse> getExportFeedbackMethod;
    if ((getExportFeedbackMethod = FeedbackServiceGrpc.getExportFeedbackMethod) == null) {
      synchronized (FeedbackServiceGrpc.class) {
        if ((getExportFeedbackMethod = FeedbackServiceGrpc.getExportFeedbackMethod) == null) {
          FeedbackServiceGrpc.getExportFeedbackMethod = getExportFeedbackMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ExportFeedbackRequest, kiln.v1.ExportFeedbackResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ExportFeedback"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ExportFeedbackRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ExportFeedbackResponse.getDefaultInstance()))
              .setSchemaDescriptor(new FeedbackServiceMethodDescriptorSupplier("ExportFeedback"))
              .build();
        }
      }
    }
    return getExportFeedbackMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static FeedbackServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<FeedbackServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<FeedbackServiceStub>() {
        @java.lang.Override
        public FeedbackServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new FeedbackServiceStub(channel, callOptions);
        }
      };
    return FeedbackServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static FeedbackServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<FeedbackServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<FeedbackServiceBlockingStub>() {
        @java.lang.Override
        public FeedbackServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new FeedbackServiceBlockingStub(channel, callOptions);
        }
      };
    return FeedbackServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static FeedbackServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<FeedbackServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<FeedbackServiceFutureStub>() {
        @java.lang.Override
        public FeedbackServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new FeedbackServiceFutureStub(channel, callOptions);
        }
      };
    return FeedbackServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Collect human feedback on samples (ratings, thumbs, preferences, corrections) and turn it
   * into datasets that REWARD_MODEL, DPO and PPO jobs train on. Feedback is appended to the
   * tenant's Redis stream and is never edited in place.
   * </pre>
   */
  public static abstract class FeedbackServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Records one piece of feedback. A bad signal (e.g. a rating outside its scale) is
     * INVALID_ARGUMENT with a field violation; a sample id the tenant never generated is
     * NOT_FOUND. Retrying with the same feedback_id returns the stored record; the same
     * feedback_id with different content is ALREADY_EXISTS.
     * </pre>
     */
    public void submitFeedback(kiln.v1.SubmitFeedbackRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Feedback> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubmitFeedbackMethod(), responseObserver);
    }

    /**
     * <pre>
     * Records feedback in bulk over one long-lived call, acknowledging each message as it is
     * stored: exactly one StreamFeedbackResponse per request, in request order, sent once that
     * request is durable (or was rejected).
     * Bidirectional rather than client streaming (as first sketched in ARCHITECTURE.md): a
     * client stream could only report at the very end, so a labelling tool would have to hold
     * every record until then, and one bad record would either abort the whole upload or be
     * buried in a summary. Per-message acknowledgements let the client drop records from its
     * outbox as they land, see each rejection with its reason while the rest go through, and,
     * after a broken connection, resend exactly the unacknowledged records (safely, since
     * feedback_id makes resends idempotent).
     * A bad record is rejected in its acknowledgement and does not end the call. Errors that
     * concern the whole call (UNAUTHENTICATED, RESOURCE_EXHAUSTED with RetryInfo, UNAVAILABLE)
     * end it with that status; acknowledged records stay stored.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<kiln.v1.SubmitFeedbackRequest> streamFeedback(
        io.grpc.stub.StreamObserver<kiln.v1.StreamFeedbackResponse> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getStreamFeedbackMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's feedback, newest first, optionally filtered.
     * </pre>
     */
    public void listFeedback(kiln.v1.ListFeedbackRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListFeedbackResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListFeedbackMethod(), responseObserver);
    }

    /**
     * <pre>
     * Turns matching feedback into a new dataset: preference pairs (for REWARD_MODEL and DPO
     * jobs) or a prompt set (for PPO jobs). An export that would write no record is
     * FAILED_PRECONDITION and creates no dataset. Retrying with the same request_id returns the
     * first export's result.
     * </pre>
     */
    public void exportFeedback(kiln.v1.ExportFeedbackRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ExportFeedbackResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getExportFeedbackMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getSubmitFeedbackMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.SubmitFeedbackRequest,
                kiln.v1.Feedback>(
                  this, METHODID_SUBMIT_FEEDBACK)))
          .addMethod(
            getStreamFeedbackMethod(),
            io.grpc.stub.ServerCalls.asyncBidiStreamingCall(
              new MethodHandlers<
                kiln.v1.SubmitFeedbackRequest,
                kiln.v1.StreamFeedbackResponse>(
                  this, METHODID_STREAM_FEEDBACK)))
          .addMethod(
            getListFeedbackMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListFeedbackRequest,
                kiln.v1.ListFeedbackResponse>(
                  this, METHODID_LIST_FEEDBACK)))
          .addMethod(
            getExportFeedbackMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ExportFeedbackRequest,
                kiln.v1.ExportFeedbackResponse>(
                  this, METHODID_EXPORT_FEEDBACK)))
          .build();
    }
  }

  /**
   * <pre>
   * Collect human feedback on samples (ratings, thumbs, preferences, corrections) and turn it
   * into datasets that REWARD_MODEL, DPO and PPO jobs train on. Feedback is appended to the
   * tenant's Redis stream and is never edited in place.
   * </pre>
   */
  public static final class FeedbackServiceStub extends io.grpc.stub.AbstractAsyncStub<FeedbackServiceStub> {
    private FeedbackServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected FeedbackServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new FeedbackServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Records one piece of feedback. A bad signal (e.g. a rating outside its scale) is
     * INVALID_ARGUMENT with a field violation; a sample id the tenant never generated is
     * NOT_FOUND. Retrying with the same feedback_id returns the stored record; the same
     * feedback_id with different content is ALREADY_EXISTS.
     * </pre>
     */
    public void submitFeedback(kiln.v1.SubmitFeedbackRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Feedback> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSubmitFeedbackMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Records feedback in bulk over one long-lived call, acknowledging each message as it is
     * stored: exactly one StreamFeedbackResponse per request, in request order, sent once that
     * request is durable (or was rejected).
     * Bidirectional rather than client streaming (as first sketched in ARCHITECTURE.md): a
     * client stream could only report at the very end, so a labelling tool would have to hold
     * every record until then, and one bad record would either abort the whole upload or be
     * buried in a summary. Per-message acknowledgements let the client drop records from its
     * outbox as they land, see each rejection with its reason while the rest go through, and,
     * after a broken connection, resend exactly the unacknowledged records (safely, since
     * feedback_id makes resends idempotent).
     * A bad record is rejected in its acknowledgement and does not end the call. Errors that
     * concern the whole call (UNAUTHENTICATED, RESOURCE_EXHAUSTED with RetryInfo, UNAVAILABLE)
     * end it with that status; acknowledged records stay stored.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<kiln.v1.SubmitFeedbackRequest> streamFeedback(
        io.grpc.stub.StreamObserver<kiln.v1.StreamFeedbackResponse> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
          getChannel().newCall(getStreamFeedbackMethod(), getCallOptions()), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's feedback, newest first, optionally filtered.
     * </pre>
     */
    public void listFeedback(kiln.v1.ListFeedbackRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListFeedbackResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListFeedbackMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Turns matching feedback into a new dataset: preference pairs (for REWARD_MODEL and DPO
     * jobs) or a prompt set (for PPO jobs). An export that would write no record is
     * FAILED_PRECONDITION and creates no dataset. Retrying with the same request_id returns the
     * first export's result.
     * </pre>
     */
    public void exportFeedback(kiln.v1.ExportFeedbackRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ExportFeedbackResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getExportFeedbackMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Collect human feedback on samples (ratings, thumbs, preferences, corrections) and turn it
   * into datasets that REWARD_MODEL, DPO and PPO jobs train on. Feedback is appended to the
   * tenant's Redis stream and is never edited in place.
   * </pre>
   */
  public static final class FeedbackServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<FeedbackServiceBlockingStub> {
    private FeedbackServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected FeedbackServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new FeedbackServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Records one piece of feedback. A bad signal (e.g. a rating outside its scale) is
     * INVALID_ARGUMENT with a field violation; a sample id the tenant never generated is
     * NOT_FOUND. Retrying with the same feedback_id returns the stored record; the same
     * feedback_id with different content is ALREADY_EXISTS.
     * </pre>
     */
    public kiln.v1.Feedback submitFeedback(kiln.v1.SubmitFeedbackRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSubmitFeedbackMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's feedback, newest first, optionally filtered.
     * </pre>
     */
    public kiln.v1.ListFeedbackResponse listFeedback(kiln.v1.ListFeedbackRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListFeedbackMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Turns matching feedback into a new dataset: preference pairs (for REWARD_MODEL and DPO
     * jobs) or a prompt set (for PPO jobs). An export that would write no record is
     * FAILED_PRECONDITION and creates no dataset. Retrying with the same request_id returns the
     * first export's result.
     * </pre>
     */
    public kiln.v1.ExportFeedbackResponse exportFeedback(kiln.v1.ExportFeedbackRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getExportFeedbackMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Collect human feedback on samples (ratings, thumbs, preferences, corrections) and turn it
   * into datasets that REWARD_MODEL, DPO and PPO jobs train on. Feedback is appended to the
   * tenant's Redis stream and is never edited in place.
   * </pre>
   */
  public static final class FeedbackServiceFutureStub extends io.grpc.stub.AbstractFutureStub<FeedbackServiceFutureStub> {
    private FeedbackServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected FeedbackServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new FeedbackServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Records one piece of feedback. A bad signal (e.g. a rating outside its scale) is
     * INVALID_ARGUMENT with a field violation; a sample id the tenant never generated is
     * NOT_FOUND. Retrying with the same feedback_id returns the stored record; the same
     * feedback_id with different content is ALREADY_EXISTS.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Feedback> submitFeedback(
        kiln.v1.SubmitFeedbackRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSubmitFeedbackMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's feedback, newest first, optionally filtered.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListFeedbackResponse> listFeedback(
        kiln.v1.ListFeedbackRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListFeedbackMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Turns matching feedback into a new dataset: preference pairs (for REWARD_MODEL and DPO
     * jobs) or a prompt set (for PPO jobs). An export that would write no record is
     * FAILED_PRECONDITION and creates no dataset. Retrying with the same request_id returns the
     * first export's result.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ExportFeedbackResponse> exportFeedback(
        kiln.v1.ExportFeedbackRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getExportFeedbackMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_SUBMIT_FEEDBACK = 0;
  private static final int METHODID_LIST_FEEDBACK = 1;
  private static final int METHODID_EXPORT_FEEDBACK = 2;
  private static final int METHODID_STREAM_FEEDBACK = 3;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final FeedbackServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(FeedbackServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SUBMIT_FEEDBACK:
          serviceImpl.submitFeedback((kiln.v1.SubmitFeedbackRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Feedback>) responseObserver);
          break;
        case METHODID_LIST_FEEDBACK:
          serviceImpl.listFeedback((kiln.v1.ListFeedbackRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListFeedbackResponse>) responseObserver);
          break;
        case METHODID_EXPORT_FEEDBACK:
          serviceImpl.exportFeedback((kiln.v1.ExportFeedbackRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ExportFeedbackResponse>) responseObserver);
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
        case METHODID_STREAM_FEEDBACK:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.streamFeedback(
              (io.grpc.stub.StreamObserver<kiln.v1.StreamFeedbackResponse>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class FeedbackServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    FeedbackServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.FeedbackProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("FeedbackService");
    }
  }

  private static final class FeedbackServiceFileDescriptorSupplier
      extends FeedbackServiceBaseDescriptorSupplier {
    FeedbackServiceFileDescriptorSupplier() {}
  }

  private static final class FeedbackServiceMethodDescriptorSupplier
      extends FeedbackServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    FeedbackServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (FeedbackServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new FeedbackServiceFileDescriptorSupplier())
              .addMethod(getSubmitFeedbackMethod())
              .addMethod(getStreamFeedbackMethod())
              .addMethod(getListFeedbackMethod())
              .addMethod(getExportFeedbackMethod())
              .build();
        }
      }
    }
    return result;
  }
}
