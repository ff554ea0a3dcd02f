package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The model registry: models produced by jobs or exports, and where they are deployed.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/models.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class ModelServiceGrpc {

  private ModelServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.ModelService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.GetModelRequest,
      kiln.v1.Model> getGetModelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetModel",
      requestType = kiln.v1.GetModelRequest.class,
      responseType = kiln.v1.Model.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GetModelRequest,
      kiln.v1.Model> getGetModelMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GetModelRequest, kiln.v1.Model> getGetModelMethod;
    if ((getGetModelMethod = ModelServiceGrpc.getGetModelMethod) == null) {
      synchronized (ModelServiceGrpc.class) {
        if ((getGetModelMethod = ModelServiceGrpc.getGetModelMethod) == null) {
          ModelServiceGrpc.getGetModelMethod = getGetModelMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GetModelRequest, kiln.v1.Model>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetModel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GetModelRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Model.getDefaultInstance()))
              .setSchemaDescriptor(new ModelServiceMethodDescriptorSupplier("GetModel"))
              .build();
        }
      }
    }
    return getGetModelMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListModelsRequest,
      kiln.v1.ListModelsResponse> getListModelsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListModels",
      requestType = kiln.v1.ListModelsRequest.class,
      responseType = kiln.v1.ListModelsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListModelsRequest,
      kiln.v1.ListModelsResponse> getListModelsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListModelsRequest, kiln.v1.ListModelsResponse> getListModelsMethod;
    if ((getListModelsMethod = ModelServiceGrpc.getListModelsMethod) == null) {
      synchronized (ModelServiceGrpc.class) {
        if ((getListModelsMethod = ModelServiceGrpc.getListModelsMethod) == null) {
          ModelServiceGrpc.getListModelsMethod = getListModelsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListModelsRequest, kiln.v1.ListModelsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListModels"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListModelsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListModelsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ModelServiceMethodDescriptorSupplier("ListModels"))
              .build();
        }
      }
    }
    return getListModelsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.DeleteModelRequest,
      kiln.v1.DeleteModelResponse> getDeleteModelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteModel",
      requestType = kiln.v1.DeleteModelRequest.class,
      responseType = kiln.v1.DeleteModelResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.DeleteModelRequest,
      kiln.v1.DeleteModelResponse> getDeleteModelMethod() {
    io.grpc.MethodDescriptor<kiln.v1.DeleteModelRequest, kiln.v1.DeleteModelResponse> getDeleteModelMethod;
    if ((getDeleteModelMethod = ModelServiceGrpc.getDeleteModelMethod) == null) {
      synchronized (ModelServiceGrpc.class) {
        if ((getDeleteModelMethod = ModelServiceGrpc.getDeleteModelMethod) == null) {
          ModelServiceGrpc.getDeleteModelMethod = getDeleteModelMethod =
              io.grpc.MethodDescriptor.<kiln.v1.DeleteModelRequest, kiln.v1.DeleteModelResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteModel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeleteModelRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeleteModelResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ModelServiceMethodDescriptorSupplier("DeleteModel"))
              .build();
        }
      }
    }
    return getDeleteModelMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ExportModelRequest,
      kiln.v1.Model> getExportModelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ExportModel",
      requestType = kiln.v1.ExportModelRequest.class,
      responseType = kiln.v1.Model.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ExportModelRequest,
      kiln.v1.Model> getExportModelMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ExportModelRequest, kiln.v1.Model> getExportModelMethod;
    if ((getExportModelMethod = ModelServiceGrpc.getExportModelMethod) == null) {
      synchronized (ModelServiceGrpc.class) {
        if ((getExportModelMethod = ModelServiceGrpc.getExportModelMethod) == null) {
          ModelServiceGrpc.getExportModelMethod = getExportModelMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ExportModelRequest, kiln.v1.Model>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ExportModel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ExportModelRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Model.getDefaultInstance()))
              .setSchemaDescriptor(new ModelServiceMethodDescriptorSupplier("ExportModel"))
              .build();
        }
      }
    }
    return getExportModelMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.DeployModelRequest,
      kiln.v1.Model> getDeployModelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeployModel",
      requestType = kiln.v1.DeployModelRequest.class,
      responseType = kiln.v1.Model.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.DeployModelRequest,
      kiln.v1.Model> getDeployModelMethod() {
    io.grpc.MethodDescriptor<kiln.v1.DeployModelRequest, kiln.v1.Model> getDeployModelMethod;
    if ((getDeployModelMethod = ModelServiceGrpc.getDeployModelMethod) == null) {
      synchronized (ModelServiceGrpc.class) {
        if ((getDeployModelMethod = ModelServiceGrpc.getDeployModelMethod) == null) {
          ModelServiceGrpc.getDeployModelMethod = getDeployModelMethod =
              io.grpc.MethodDescriptor.<kiln.v1.DeployModelRequest, kiln.v1.Model>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeployModel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeployModelRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Model.getDefaultInstance()))
              .setSchemaDescriptor(new ModelServiceMethodDescriptorSupplier("DeployModel"))
              .build();
        }
      }
    }
    return getDeployModelMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.UndeployModelRequest,
      kiln.v1.Model> getUndeployModelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UndeployModel",
      requestType = kiln.v1.UndeployModelRequest.class,
      responseType = kiln.v1.Model.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.UndeployModelRequest,
      kiln.v1.Model> getUndeployModelMethod() {
    io.grpc.MethodDescriptor<kiln.v1.UndeployModelRequest, kiln.v1.Model> getUndeployModelMethod;
    if ((getUndeployModelMethod = ModelServiceGrpc.getUndeployModelMethod) == null) {
      synchronized (ModelServiceGrpc.class) {
        if ((getUndeployModelMethod = ModelServiceGrpc.getUndeployModelMethod) == null) {
          ModelServiceGrpc.getUndeployModelMethod = getUndeployModelMethod =
              io.grpc.MethodDescriptor.<kiln.v1.UndeployModelRequest, kiln.v1.Model>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UndeployModel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.UndeployModelRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Model.getDefaultInstance()))
              .setSchemaDescriptor(new ModelServiceMethodDescriptorSupplier("UndeployModel"))
              .build();
        }
      }
    }
    return getUndeployModelMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ModelServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ModelServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ModelServiceStub>() {
        @java.lang.Override
        public ModelServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ModelServiceStub(channel, callOptions);
        }
      };
    return ModelServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ModelServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ModelServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ModelServiceBlockingStub>() {
        @java.lang.Override
        public ModelServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ModelServiceBlockingStub(channel, callOptions);
        }
      };
    return ModelServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ModelServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ModelServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ModelServiceFutureStub>() {
        @java.lang.Override
        public ModelServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ModelServiceFutureStub(channel, callOptions);
        }
      };
    return ModelServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The model registry: models produced by jobs or exports, and where they are deployed.
   * </pre>
   */
  public static abstract class ModelServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Returns one model; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getModel(kiln.v1.GetModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetModelMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's models, newest first.
     * </pre>
     */
    public void listModels(kiln.v1.ListModelsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListModelsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListModelsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a model and its weights. A deployed model must be undeployed first
     * (FAILED_PRECONDITION otherwise).
     * </pre>
     */
    public void deleteModel(kiln.v1.DeleteModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.DeleteModelResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteModelMethod(), responseObserver);
    }

    /**
     * <pre>
     * Compresses a model (quantization or pruning) into a new model resource.
     * </pre>
     */
    public void exportModel(kiln.v1.ExportModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getExportModelMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deploys a model for sampling on Ray Serve or Triton and returns once it is READY (allow a
     * deadline of minutes). Also accepts a built-in base model name, to choose replicas or the
     * target ahead of time; sampling a built-in deploys it on first use otherwise.
     * More replicas than the Ray cluster could ever place (all its nodes, idle) is
     * FAILED_PRECONDITION at once, with nothing recorded. While the cluster is busy the deployment
     * is PENDING; past KILN_DEPLOY_PENDING_TIMEOUT_S it is removed and the call is
     * RESOURCE_EXHAUSTED (QuotaFailure subject "cluster.resources", with RetryInfo). An
     * UndeployModel meanwhile ends the call with ABORTED. A caller that stops waiting (deadline)
     * does not stop the deploy; a repeat with the same settings waits on the same deploy, one with
     * other settings is FAILED_PRECONDITION until it ends.
     * </pre>
     */
    public void deployModel(kiln.v1.DeployModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeployModelMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes a model's deployment and releases its resources; also cancels a deploy of it
     * still PENDING or DEPLOYING (that DeployModel call then ends ABORTED).
     * </pre>
     */
    public void undeployModel(kiln.v1.UndeployModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUndeployModelMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getGetModelMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GetModelRequest,
                kiln.v1.Model>(
                  this, METHODID_GET_MODEL)))
          .addMethod(
            getListModelsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListModelsRequest,
                kiln.v1.ListModelsResponse>(
                  this, METHODID_LIST_MODELS)))
          .addMethod(
            getDeleteModelMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.DeleteModelRequest,
                kiln.v1.DeleteModelResponse>(
                  this, METHODID_DELETE_MODEL)))
          .addMethod(
            getExportModelMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ExportModelRequest,
                kiln.v1.Model>(
                  this, METHODID_EXPORT_MODEL)))
          .addMethod(
            getDeployModelMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.DeployModelRequest,
                kiln.v1.Model>(
                  this, METHODID_DEPLOY_MODEL)))
          .addMethod(
            getUndeployModelMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.UndeployModelRequest,
                kiln.v1.Model>(
                  this, METHODID_UNDEPLOY_MODEL)))
          .build();
    }
  }

  /**
   * <pre>
   * The model registry: models produced by jobs or exports, and where they are deployed.
   * </pre>
   */
  public static final class ModelServiceStub extends io.grpc.stub.AbstractAsyncStub<ModelServiceStub> {
    private ModelServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ModelServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ModelServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one model; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getModel(kiln.v1.GetModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetModelMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's models, newest first.
     * </pre>
     */
    public void listModels(kiln.v1.ListModelsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListModelsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListModelsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a model and its weights. A deployed model must be undeployed first
     * (FAILED_PRECONDITION otherwise).
     * </pre>
     */
    public void deleteModel(kiln.v1.DeleteModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.DeleteModelResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteModelMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Compresses a model (quantization or pruning) into a new model resource.
     * </pre>
     */
    public void exportModel(kiln.v1.ExportModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getExportModelMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deploys a model for sampling on Ray Serve or Triton and returns once it is READY (allow a
     * deadline of minutes). Also accepts a built-in base model name, to choose replicas or the
     * target ahead of time; sampling a built-in deploys it on first use otherwise.
     * More replicas than the Ray cluster could ever place (all its nodes, idle) is
     * FAILED_PRECONDITION at once, with nothing recorded. While the cluster is busy the deployment
     * is PENDING; past KILN_DEPLOY_PENDING_TIMEOUT_S it is removed and the call is
     * RESOURCE_EXHAUSTED (QuotaFailure subject "cluster.resources", with RetryInfo). An
     * UndeployModel meanwhile ends the call with ABORTED. A caller that stops waiting (deadline)
     * does not stop the deploy; a repeat with the same settings waits on the same deploy, one with
     * other settings is FAILED_PRECONDITION until it ends.
     * </pre>
     */
    public void deployModel(kiln.v1.DeployModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeployModelMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes a model's deployment and releases its resources; also cancels a deploy of it
     * still PENDING or DEPLOYING (that DeployModel call then ends ABORTED).
     * </pre>
     */
    public void undeployModel(kiln.v1.UndeployModelRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Model> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUndeployModelMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * The model registry: models produced by jobs or exports, and where they are deployed.
   * </pre>
   */
  public static final class ModelServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<ModelServiceBlockingStub> {
    private ModelServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ModelServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ModelServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one model; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public kiln.v1.Model getModel(kiln.v1.GetModelRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetModelMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's models, newest first.
     * </pre>
     */
    public kiln.v1.ListModelsResponse listModels(kiln.v1.ListModelsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListModelsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a model and its weights. A deployed model must be undeployed first
     * (FAILED_PRECONDITION otherwise).
     * </pre>
     */
    public kiln.v1.DeleteModelResponse deleteModel(kiln.v1.DeleteModelRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteModelMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Compresses a model (quantization or pruning) into a new model resource.
     * </pre>
     */
    public kiln.v1.Model exportModel(kiln.v1.ExportModelRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getExportModelMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deploys a model for sampling on Ray Serve or Triton and returns once it is READY (allow a
     * deadline of minutes). Also accepts a built-in base model name, to choose replicas or the
     * target ahead of time; sampling a built-in deploys it on first use otherwise.
     * More replicas than the Ray cluster could ever place (all its nodes, idle) is
     * FAILED_PRECONDITION at once, with nothing recorded. While the cluster is busy the deployment
     * is PENDING; past KILN_DEPLOY_PENDING_TIMEOUT_S it is removed and the call is
     * RESOURCE_EXHAUSTED (QuotaFailure subject "cluster.resources", with RetryInfo). An
     * UndeployModel meanwhile ends the call with ABORTED. A caller that stops waiting (deadline)
     * does not stop the deploy; a repeat with the same settings waits on the same deploy, one with
     * other settings is FAILED_PRECONDITION until it ends.
     * </pre>
     */
    public kiln.v1.Model deployModel(kiln.v1.DeployModelRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeployModelMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes a model's deployment and releases its resources; also cancels a deploy of it
     * still PENDING or DEPLOYING (that DeployModel call then ends ABORTED).
     * </pre>
     */
    public kiln.v1.Model undeployModel(kiln.v1.UndeployModelRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUndeployModelMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * The model registry: models produced by jobs or exports, and where they are deployed.
   * </pre>
   */
  public static final class ModelServiceFutureStub extends io.grpc.stub.AbstractFutureStub<ModelServiceFutureStub> {
    private ModelServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ModelServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ModelServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one model; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Model> getModel(
        kiln.v1.GetModelRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetModelMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's models, newest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListModelsResponse> listModels(
        kiln.v1.ListModelsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListModelsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a model and its weights. A deployed model must be undeployed first
     * (FAILED_PRECONDITION otherwise).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.DeleteModelResponse> deleteModel(
        kiln.v1.DeleteModelRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteModelMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Compresses a model (quantization or pruning) into a new model resource.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Model> exportModel(
        kiln.v1.ExportModelRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getExportModelMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deploys a model for sampling on Ray Serve or Triton and returns once it is READY (allow a
     * deadline of minutes). Also accepts a built-in base model name, to choose replicas or the
     * target ahead of time; sampling a built-in deploys it on first use otherwise.
     * More replicas than the Ray cluster could ever place (all its nodes, idle) is
     * FAILED_PRECONDITION at once, with nothing recorded. While the cluster is busy the deployment
     * is PENDING; past KILN_DEPLOY_PENDING_TIMEOUT_S it is removed and the call is
     * RESOURCE_EXHAUSTED (QuotaFailure subject "cluster.resources", with RetryInfo). An
     * UndeployModel meanwhile ends the call with ABORTED. A caller that stops waiting (deadline)
     * does not stop the deploy; a repeat with the same settings waits on the same deploy, one with
     * other settings is FAILED_PRECONDITION until it ends.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Model> deployModel(
        kiln.v1.DeployModelRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeployModelMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes a model's deployment and releases its resources; also cancels a deploy of it
     * still PENDING or DEPLOYING (that DeployModel call then ends ABORTED).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Model> undeployModel(
        kiln.v1.UndeployModelRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUndeployModelMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_MODEL = 0;
  private static final int METHODID_LIST_MODELS = 1;
  private static final int METHODID_DELETE_MODEL = 2;
  private static final int METHODID_EXPORT_MODEL = 3;
  private static final int METHODID_DEPLOY_MODEL = 4;
  private static final int METHODID_UNDEPLOY_MODEL = 5;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final ModelServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(ModelServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GET_MODEL:
          serviceImpl.getModel((kiln.v1.GetModelRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Model>) responseObserver);
          break;
        case METHODID_LIST_MODELS:
          serviceImpl.listModels((kiln.v1.ListModelsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListModelsResponse>) responseObserver);
          break;
        case METHODID_DELETE_MODEL:
          serviceImpl.deleteModel((kiln.v1.DeleteModelRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.DeleteModelResponse>) responseObserver);
          break;
        case METHODID_EXPORT_MODEL:
          serviceImpl.exportModel((kiln.v1.ExportModelRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Model>) responseObserver);
          break;
        case METHODID_DEPLOY_MODEL:
          serviceImpl.deployModel((kiln.v1.DeployModelRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Model>) responseObserver);
          break;
        case METHODID_UNDEPLOY_MODEL:
          serviceImpl.undeployModel((kiln.v1.UndeployModelRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Model>) responseObserver);
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

  private static abstract class ModelServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ModelServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.ModelsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ModelService");
    }
  }

  private static final class ModelServiceFileDescriptorSupplier
      extends ModelServiceBaseDescriptorSupplier {
    ModelServiceFileDescriptorSupplier() {}
  }

  private static final class ModelServiceMethodDescriptorSupplier
      extends ModelServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    ModelServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (ModelServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ModelServiceFileDescriptorSupplier())
              .addMethod(getGetModelMethod())
              .addMethod(getListModelsMethod())
              .addMethod(getDeleteModelMethod())
              .addMethod(getExportModelMethod())
              .addMethod(getDeployModelMethod())
              .addMethod(getUndeployModelMethod())
              .build();
        }
      }
    }
    return result;
  }
}
