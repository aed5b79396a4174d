using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ret.Server.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Workspace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workspace_sessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    FileCount = table.Column<int>(type: "INTEGER", nullable: false),
                    TableCount = table.Column<int>(type: "INTEGER", nullable: false),
                    HasScan = table.Column<bool>(type: "INTEGER", nullable: false),
                    ActiveJobId = table.Column<Guid>(type: "TEXT", nullable: true),
                    LastJobId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RescanRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    CurrentConversionId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workspace_sessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_workspace_sessions_users_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "download_tickets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestJson = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UsedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_download_tickets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_download_tickets_workspace_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "workspace_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "jobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    OptionsJson = table.Column<string>(type: "TEXT", nullable: true),
                    ProgressJson = table.Column<string>(type: "TEXT", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    CancelRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    HangfireJobId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_jobs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_jobs_workspace_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "workspace_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "patch_log",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    EditId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Table = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Op = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RowId = table.Column<long>(type: "INTEGER", nullable: true),
                    Column = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    OldValue = table.Column<string>(type: "TEXT", nullable: true),
                    NewValue = table.Column<string>(type: "TEXT", nullable: true),
                    Undone = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_patch_log", x => x.Id);
                    table.ForeignKey(
                        name: "FK_patch_log_workspace_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "workspace_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "result_tables",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ConversionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Group = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Rows = table.Column<long>(type: "INTEGER", nullable: false),
                    Columns = table.Column<int>(type: "INTEGER", nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    SourceFiles = table.Column<int>(type: "INTEGER", nullable: false),
                    Errors = table.Column<int>(type: "INTEGER", nullable: false),
                    IsChild = table.Column<bool>(type: "INTEGER", nullable: false),
                    Parent = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    Modified = table.Column<bool>(type: "INTEGER", nullable: false),
                    Ordinal = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_result_tables", x => x.Id);
                    table.ForeignKey(
                        name: "FK_result_tables_workspace_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "workspace_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "workspace_files",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    StoredName = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    UploadedBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    UploadId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workspace_files", x => x.Id);
                    table.ForeignKey(
                        name: "FK_workspace_files_workspace_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "workspace_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_download_tickets_ExpiresAt",
                table: "download_tickets",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_download_tickets_SessionId",
                table: "download_tickets",
                column: "SessionId");

            migrationBuilder.CreateIndex(
                name: "IX_jobs_SessionId_CreatedAt",
                table: "jobs",
                columns: new[] { "SessionId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_jobs_State_FinishedAt",
                table: "jobs",
                columns: new[] { "State", "FinishedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_patch_log_EditId",
                table: "patch_log",
                column: "EditId");

            migrationBuilder.CreateIndex(
                name: "IX_patch_log_SessionId_Id",
                table: "patch_log",
                columns: new[] { "SessionId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_result_tables_SessionId_Name",
                table: "result_tables",
                columns: new[] { "SessionId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_workspace_files_SessionId",
                table: "workspace_files",
                column: "SessionId");

            migrationBuilder.CreateIndex(
                name: "IX_workspace_files_UploadId",
                table: "workspace_files",
                column: "UploadId");

            migrationBuilder.CreateIndex(
                name: "IX_workspace_sessions_ExpiresAt",
                table: "workspace_sessions",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_workspace_sessions_OwnerId_UpdatedAt",
                table: "workspace_sessions",
                columns: new[] { "OwnerId", "UpdatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "download_tickets");

            migrationBuilder.DropTable(
                name: "jobs");

            migrationBuilder.DropTable(
                name: "patch_log");

            migrationBuilder.DropTable(
                name: "result_tables");

            migrationBuilder.DropTable(
                name: "workspace_files");

            migrationBuilder.DropTable(
                name: "workspace_sessions");
        }
    }
}
