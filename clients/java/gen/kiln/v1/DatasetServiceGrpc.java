package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Upload and manage JSONL training datasets.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/datasets.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class DatasetServiceGrpc {

  private DatasetServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.DatasetService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.UploadDatasetRequest,
      kiln.v1.Dataset> getUploadDatasetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UploadDataset",
      requestType = kiln.v1.UploadDatasetRequest.class,
      responseType = kiln.v1.Dataset.class,
      methodType = io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
  public static io.grpc.MethodDescriptor<kiln.v1.UploadDatasetRequest,
      kiln.v1.Dataset> getUploadDatasetMethod() {
    io.grpc.MethodDescriptor<kiln.v1.UploadDatasetRequest, kiln.v1.Dataset> getUploadDatasetMethod;
    if ((getUploadDatasetMethod = DatasetServiceGrpc.getUploadDatasetMethod) == null) {
      synchronized (DatasetServiceGrpc.class) {
        if ((getUploadDatasetMethod = DatasetServiceGrpc.getUploadDatasetMethod) == null) {
          DatasetServiceGrpc.getUploadDatasetMethod = getUploadDatasetMethod =
              io.grpc.MethodDescriptor.<kiln.v1.UploadDatasetRequest, kiln.v1.Dataset>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UploadDataset"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.UploadDatasetRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Dataset.getDefaultInstance()))
              .setSchemaDescriptor(new DatasetServiceMethodDescriptorSupplier("UploadDataset"))
              .build();
        }
      }
    }
    return getUploadDatasetMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.GetDatasetRequest,
      kiln.v1.Dataset> getGetDatasetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDataset",
      requestType = kiln.v1.GetDatasetRequest.class,
      responseType = kiln.v1.Dataset.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GetDatasetRequest,
      kiln.v1.Dataset> getGetDatasetMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GetDatasetRequest, kiln.v1.Dataset> getGetDatasetMethod;
    if ((getGetDatasetMethod = DatasetServiceGrpc.getGetDatasetMethod) == null) {
      synchronized (DatasetServiceGrpc.class) {
        if ((getGetDatasetMethod = DatasetServiceGrpc.getGetDatasetMethod) == null) {
          DatasetServiceGrpc.getGetDatasetMethod = getGetDatasetMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GetDatasetRequest, kiln.v1.Dataset>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDataset"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GetDatasetRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Dataset.getDefaultInstance()))
              .setSchemaDescriptor(new DatasetServiceMethodDescriptorSupplier("GetDataset"))
              .build();
        }
      }
    }
    return getGetDatasetMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListDatasetsRequest,
      kiln.v1.ListDatasetsResponse> getListDatasetsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListDatasets",
      requestType = kiln.v1.ListDatasetsRequest.class,
      responseType = kiln.v1.ListDatasetsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListDatasetsRequest,
      kiln.v1.ListDatasetsResponse> getListDatasetsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListDatasetsRequest, kiln.v1.ListDatasetsResponse> getListDatasetsMethod;
    if ((getListDatasetsMethod = DatasetServiceGrpc.getListDatasetsMethod) == null) {
      synchronized (DatasetServiceGrpc.class) {
        if ((getListDatasetsMethod = DatasetServiceGrpc.getListDatasetsMethod) == null) {
          DatasetServiceGrpc.getListDatasetsMethod = getListDatasetsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListDatasetsRequest, kiln.v1.ListDatasetsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListDatasets"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListDatasetsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListDatasetsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DatasetServiceMethodDescriptorSupplier("ListDatasets"))
              .build();
        }
      }
    }
    return getListDatasetsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.DeleteDatasetRequest,
      kiln.v1.DeleteDatasetResponse> getDeleteDatasetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteDataset",
      requestType = kiln.v1.DeleteDatasetRequest.class,
      responseType = kiln.v1.DeleteDatasetResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.DeleteDatasetRequest,
      kiln.v1.DeleteDatasetResponse> getDeleteDatasetMethod() {
    io.grpc.MethodDescriptor<kiln.v1.DeleteDatasetRequest, kiln.v1.DeleteDatasetResponse> getDeleteDatasetMethod;
    if ((getDeleteDatasetMethod = DatasetServiceGrpc.getDeleteDatasetMethod) == null) {
      synchronized (DatasetServiceGrpc.class) {
        if ((getDeleteDatasetMethod = DatasetServiceGrpc.getDeleteDatasetMethod) == null) {
          DatasetServiceGrpc.getDeleteDatasetMethod = getDeleteDatasetMethod =
              io.grpc.MethodDescriptor.<kiln.v1.DeleteDatasetRequest, kiln.v1.DeleteDatasetResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteDataset"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeleteDatasetRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeleteDatasetResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DatasetServiceMethodDescriptorSupplier("DeleteDataset"))
              .build();
        }
      }
    }
    return getDeleteDatasetMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static DatasetServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DatasetServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DatasetServiceStub>() {
        @java.lang.Override
        public DatasetServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DatasetServiceStub(channel, callOptions);
        }
      };
    return DatasetServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static DatasetServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DatasetServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DatasetServiceBlockingStub>() {
        @java.lang.Override
        public DatasetServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DatasetServiceBlockingStub(channel, callOptions);
        }
      };
    return DatasetServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static DatasetServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DatasetServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DatasetServiceFutureStub>() {
        @java.lang.Override
        public DatasetServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DatasetServiceFutureStub(channel, callOptions);
        }
      };
    return DatasetServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Upload and manage JSONL training datasets.
   * </pre>
   */
  public static abstract class DatasetServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Uploads a dataset as a stream: one UploadDatasetRequest with `metadata` first, then any
     * number of `chunk` messages carrying the raw JSONL bytes in order. The dataset is checked
     * line by line against its declared format; a bad line is INVALID_ARGUMENT naming the line
     * number and the field, an upload past the server's size limit is RESOURCE_EXHAUSTED, and a
     * failed or aborted upload leaves nothing behind.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<kiln.v1.UploadDatasetRequest> uploadDataset(
        io.grpc.stub.StreamObserver<kiln.v1.Dataset> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getUploadDatasetMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one dataset; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getDataset(kiln.v1.GetDatasetRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Dataset> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDatasetMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's datasets, newest first.
     * </pre>
     */
    public void listDatasets(kiln.v1.ListDatasetsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListDatasetsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListDatasetsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a dataset's metadata and its stored bytes. Jobs that already started keep their copy.
     * </pre>
     */
    public void deleteDataset(kiln.v1.DeleteDatasetRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.DeleteDatasetResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteDatasetMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getUploadDatasetMethod(),
            io.grpc.stub.ServerCalls.asyncClientStreamingCall(
              new MethodHandlers<
                kiln.v1.UploadDatasetRequest,
                kiln.v1.Dataset>(
                  this, METHODID_UPLOAD_DATASET)))
          .addMethod(
            getGetDatasetMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GetDatasetRequest,
                kiln.v1.Dataset>(
                  this, METHODID_GET_DATASET)))
          .addMethod(
            getListDatasetsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListDatasetsRequest,
                kiln.v1.ListDatasetsResponse>(
                  this, METHODID_LIST_DATASETS)))
          .addMethod(
            getDeleteDatasetMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.DeleteDatasetRequest,
                kiln.v1.DeleteDatasetResponse>(
                  this, METHODID_DELETE_DATASET)))
          .build();
    }
  }

  /**
   * <pre>
   * Upload and manage JSONL training datasets.
   * </pre>
   */
  public static final class DatasetServiceStub extends io.grpc.stub.AbstractAsyncStub<DatasetServiceStub> {
    private DatasetServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DatasetServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DatasetServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Uploads a dataset as a stream: one UploadDatasetRequest with `metadata` first, then any
     * number of `chunk` messages carrying the raw JSONL bytes in order. The dataset is checked
     * line by line against its declared format; a bad line is INVALID_ARGUMENT naming the line
     * number and the field, an upload past the server's size limit is RESOURCE_EXHAUSTED, and a
     * failed or aborted upload leaves nothing behind.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<kiln.v1.UploadDatasetRequest> uploadDataset(
        io.grpc.stub.StreamObserver<kiln.v1.Dataset> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncClientStreamingCall(
          getChannel().newCall(getUploadDatasetMethod(), getCallOptions()), responseObserver);
    }

    /**
     * <pre>
     * Returns one dataset; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getDataset(kiln.v1.GetDatasetRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Dataset> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDatasetMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's datasets, newest first.
     * </pre>
     */
    public void listDatasets(kiln.v1.ListDatasetsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListDatasetsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListDatasetsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a dataset's metadata and its stored bytes. Jobs that already started keep their copy.
     * </pre>
     */
    public void deleteDataset(kiln.v1.DeleteDatasetRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.DeleteDatasetResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteDatasetMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Upload and manage JSONL training datasets.
   * </pre>
   */
  public static final class DatasetServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<DatasetServiceBlockingStub> {
    private DatasetServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DatasetServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DatasetServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one dataset; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public kiln.v1.Dataset getDataset(kiln.v1.GetDatasetRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDatasetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's datasets, newest first.
     * </pre>
     */
    public kiln.v1.ListDatasetsResponse listDatasets(kiln.v1.ListDatasetsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListDatasetsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a dataset's metadata and its stored bytes. Jobs that already started keep their copy.
     * </pre>
     */
    public kiln.v1.DeleteDatasetResponse deleteDataset(kiln.v1.DeleteDatasetRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteDatasetMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Upload and manage JSONL training datasets.
   * </pre>
   */
  public static final class DatasetServiceFutureStub extends io.grpc.stub.AbstractFutureStub<DatasetServiceFutureStub> {
    private DatasetServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DatasetServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DatasetServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one dataset; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Dataset> getDataset(
        kiln.v1.GetDatasetRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDatasetMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's datasets, newest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListDatasetsResponse> listDatasets(
        kiln.v1.ListDatasetsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListDatasetsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a dataset's metadata and its stored bytes. Jobs that already started keep their copy.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.DeleteDatasetResponse> deleteDataset(
        kiln.v1.DeleteDatasetRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteDatasetMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_DATASET = 0;
  private static final int METHODID_LIST_DATASETS = 1;
  private static final int METHODID_DELETE_DATASET = 2;
  private static final int METHODID_UPLOAD_DATASET = 3;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final DatasetServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(DatasetServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GET_DATASET:
          serviceImpl.getDataset((kiln.v1.GetDatasetRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Dataset>) responseObserver);
          break;
        case METHODID_LIST_DATASETS:
          serviceImpl.listDatasets((kiln.v1.ListDatasetsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListDatasetsResponse>) responseObserver);
          break;
        case METHODID_DELETE_DATASET:
          serviceImpl.deleteDataset((kiln.v1.DeleteDatasetRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.DeleteDatasetResponse>) responseObserver);
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
        case METHODID_UPLOAD_DATASET:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.uploadDataset(
              (io.grpc.stub.StreamObserver<kiln.v1.Dataset>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class DatasetServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    DatasetServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.DatasetsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("DatasetService");
    }
  }

  private static final class DatasetServiceFileDescriptorSupplier
      extends DatasetServiceBaseDescriptorSupplier {
    DatasetServiceFileDescriptorSupplier() {}
  }

  private static final class DatasetServiceMethodDescriptorSupplier
      extends DatasetServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    DatasetServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (DatasetServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new DatasetServiceFileDescriptorSupplier())
              .addMethod(getUploadDatasetMethod())
              .addMethod(getGetDatasetMethod())
              .addMethod(getListDatasetsMethod())
              .addMethod(getDeleteDatasetMethod())
              .build();
        }
      }
    }
    return result;
  }
}
